package org.grad4j.runtime;

import java.lang.reflect.Method;

/** JVM type descriptors of reflective types, without a dependency on ASM. */
public final class Descriptors {
    private Descriptors() {}

    public static String of(Class<?> c) {
        if (c.isArray()) return c.getName().replace('.', '/');
        if (c.isPrimitive()) {
            if (c == double.class) return "D";
            if (c == float.class) return "F";
            if (c == int.class) return "I";
            if (c == long.class) return "J";
            if (c == boolean.class) return "Z";
            if (c == byte.class) return "B";
            if (c == char.class) return "C";
            if (c == short.class) return "S";
            return "V";
        }
        return 'L' + c.getName().replace('.', '/') + ';';
    }

    public static String of(Method m) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) sb.append(of(p));
        return sb.append(')').append(of(m.getReturnType())).toString();
    }

    /** Number of arguments in a method descriptor. */
    public static int argumentCount(String methodDescriptor) {
        return argumentDescriptors(methodDescriptor).size();
    }

    /** The descriptors of a method descriptor's arguments: {@code (D[JLa/B;)V} gives {@code D, [J, La/B;}. */
    public static java.util.List<String> argumentDescriptors(String methodDescriptor) {
        java.util.List<String> args = new java.util.ArrayList<>();
        int i = 1;
        while (methodDescriptor.charAt(i) != ')') {
            int start = i;
            char c = methodDescriptor.charAt(i);
            while (c == '[') c = methodDescriptor.charAt(++i);
            if (c == 'L') i = methodDescriptor.indexOf(';', i);
            i++;
            args.add(methodDescriptor.substring(start, i));
        }
        return args;
    }
}
