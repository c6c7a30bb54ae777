package org.grad4j.runtime;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Deque;
import org.grad4j.GradientException;

/**
 * Finds the method a virtual call really runs, as {@code invokevirtual} would: grad4j
 * differentiates bytecode, so it needs the override's body, not the declaration's.
 */
final class Dispatch {
    private Dispatch() {}

    /** The implementation of {@code declared} for {@code receiver}; {@code declared} itself if static or private. */
    static Method implementation(Method declared, Object receiver) {
        return receiver == null ? declared : implementationFor(declared, receiver.getClass());
    }

    /** The method {@code receiverClass} runs for a call of {@code declared}. */
    static Method implementationFor(Method declared, Class<?> receiverClass) {
        int mods = declared.getModifiers();
        if (Modifier.isStatic(mods) || Modifier.isPrivate(mods)) return declared;
        String name = declared.getName();
        Class<?>[] params = declared.getParameterTypes();
        for (Class<?> k = receiverClass; k != null; k = k.getSuperclass()) {
            Method m = declaredIn(k, name, params);
            if (m != null && !Modifier.isPrivate(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())) return m;
        }
        Deque<Class<?>> todo = new ArrayDeque<>();
        for (Class<?> k = receiverClass; k != null; k = k.getSuperclass()) {
            for (Class<?> i : k.getInterfaces()) todo.add(i);
        }
        while (!todo.isEmpty()) {
            Class<?> i = todo.poll();
            Method m = declaredIn(i, name, params);
            if (m != null && m.isDefault()) return m;
            for (Class<?> s : i.getInterfaces()) todo.add(s);
        }
        return declared;
    }

    private static Method declaredIn(Class<?> k, String name, Class<?>[] params) {
        try {
            return k.getDeclaredMethod(name, params);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Refuses methods grad4j cannot generate code for, naming the method and what to do. */
    static void requireBytecode(Method m) {
        int mods = m.getModifiers();
        if (Modifier.isAbstract(mods)) {
            throw new GradientException("grad4j: " + describe(m) + " is abstract, so it has no code to differentiate; "
                    + "pass a receiver whose class implements it, or a concrete method");
        }
        if (Modifier.isNative(mods)) {
            throw new GradientException("grad4j: " + describe(m) + " is native, so it has no bytecode to differentiate; "
                    + "differentiate a Java method that calls it only if grad4j has a rule for it");
        }
        if (m.getDeclaringClass().isHidden()) {
            throw new GradientException("grad4j: " + describe(m) + " belongs to a hidden class (a lambda or a "
                    + "runtime-generated class) whose bytecode cannot be read; use a named class that implements the "
                    + "interface, or call the method the lambda calls directly");
        }
    }

    static String describe(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName() + Descriptors.of(m);
    }
}
