package org.grad4j.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Objects handed to a gradient as data that the entry may make again itself, as {@link
 * LambdaArguments} makes lambdas: a force law or an ODE system written as a small class ({@code
 * final class Spring implements Force { final double k; ... }}) and called in a loop. Its calls on
 * the object handed in are linked at run time, a frame per iteration; on an object made in the
 * method they are inlined and the object replaced by its fields. An object whose fields are all
 * final numbers or arrays of them is the same object wherever it is made from the same values, so
 * the mask asks for an entry that makes it at its start ({@code |index new class}; the transformer's
 * {@code ObjectArguments} checks that a constructor only sets those fields, and reads their values
 * from the object handed in with {@link LambdaCaptures#field}).
 */
final class ObjectArguments {
    private ObjectArguments() {}

    /** {@code new internalName} for an object of class {@code c} handed to an entry of {@code entryClass}; "" when it cannot be. */
    static String madeAgain(Class<?> c, Class<?> entryClass) {
        String made = MADE_AGAIN.get(c);
        return !made.isEmpty() && c.getNestHost() == entryClass.getNestHost() ? made : "";
    }

    private static final ClassValue<String> MADE_AGAIN = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> c) {
            if (c.isHidden() || c.isArray() || c.isEnum() || c.isInterface() || c.isPrimitive() || isLibrary(c)) return "";
            // its own fields only (a subclass's object may carry its superclass's state)
            if (c.getSuperclass() != Object.class && c.getSuperclass() != Record.class) return "";
            boolean any = false;
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                Class<?> t = f.getType();
                while (t.isArray()) t = t.getComponentType();
                if (!Modifier.isFinal(f.getModifiers()) || !t.isPrimitive()) return ""; // state that changes, or objects
                any = true;
            }
            return any ? "new " + c.getName().replace('.', '/') : "";
        }
    };

    /** The JDK's (grad4j's own classes and libraries never share the entry's nest, which is checked too). */
    private static boolean isLibrary(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.");
    }
}
