package org.grad4j.runtime;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Lambdas handed to a gradient as data ({@code Potential pot = x -> -x * x * x;} then {@code
 * AD.gradient(v -> simulate(v, pot), p)}) that the entry may make again itself. Called from
 * differentiated code, such a lambda is a call linked at run time: a loop calling it runs as
 * recursion, a frame per iteration (some 60 times the plain loop at 200,000 steps), where a lambda
 * made in the method is inlined and the loop stays a loop (about 4 times). A lambda whose code is
 * one static method and that captures only numbers and arrays of them is the same function
 * wherever it is made from the same values, so the mask asks for an entry that makes it at its
 * start, from the values it captured ({@link LambdaCaptures#value}; the transformer's {@code
 * LambdaArguments}). Small objects are asked for likewise ({@link ObjectArguments}).
 *
 * <p>The section added to the mask, after the parameter bits: per such parameter {@code
 * |index interface samName samDescriptor implOwner implName implDescriptor I|C captures} (internal
 * names; {@code I} when the implementation's owner is an interface; the captured values' descriptors,
 * {@code DI}, or {@code -}), or {@code |index new class} for an object. Masks without it are unchanged.
 */
final class LambdaArguments {
    private LambdaArguments() {}

    /** The mask with the section for the call's lambda arguments; {@code mask} itself when there are none. */
    static String annotated(Call call, String mask) {
        Object[] args = call.args();
        StringBuilder sb = null;
        int first = mask.startsWith("@") ? 1 : 0;
        for (int i = 0; i < args.length; i++) {
            // a holder (a lambda capturing the point, PointHolders) stays the object handed in: its calls see the point
            if (call.differentiated()[i] || args[i] == null || mask.charAt(first + i) != '0') continue;
            Class<?> entryClass = call.method().getDeclaringClass();
            String made = known(args[i].getClass()); // a lambda
            if (!made.isEmpty() && !sameNest(args[i].getClass(), entryClass)) continue;
            if (made.isEmpty()) made = ObjectArguments.madeAgain(args[i].getClass(), entryClass); // a small object
            if (made.isEmpty()) continue;
            if (sb == null) sb = new StringBuilder(mask);
            sb.append('|').append(i).append(' ').append(made);
        }
        return sb == null ? mask : sb.toString();
    }

    /**
     * Whether the lambda's code is of the entry's nest: the entry's code may then make it (its
     * implementation is private to the class that made it).
     */
    private static boolean sameNest(Class<?> lambda, Class<?> entryClass) {
        return CODE_NEST.get(lambda) == entryClass.getNestHost();
    }

    /** Per lambda class made again: the nest host of its implementation's class (null when it cannot be loaded). */
    private static final ClassValue<Class<?>> CODE_NEST = new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> c) {
            String owner = MADE_AGAIN.get(c)[0].split(" ")[3].replace('/', '.');
            try {
                return Class.forName(owner, false, c.getClassLoader()).getNestHost();
            } catch (ClassNotFoundException | LinkageError e) {
                return null;
            }
        }
    };

    /**
     * Per class: how a lambda of it is made again, or "" when it cannot be (not a lambda, capturing
     * objects, no one known body); kept once known. Of look-alike sites, the one a linked call of
     * the lambda was found to run ({@link Linker#resolvedImplementation}, after {@link LambdaProbe}):
     * the first gradient links the call, the next ones make the lambda again.
     */
    private static final ClassValue<String[]> MADE_AGAIN = new ClassValue<>() {
        @Override
        protected String[] computeValue(Class<?> c) {
            return new String[1];
        }
    };

    /** {@link #MADE_AGAIN}'s answer for class {@code c}, found on first use. */
    private static String known(Class<?> c) {
        String[] slot = MADE_AGAIN.get(c);
        if (slot[0] == null) { // found twice by two threads at once: the same answer
            try {
                String made = madeAgain(c);
                if (made == null) return ""; // not known yet: the entry as it is, whose linking may find it
                slot[0] = made;
            } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
                slot[0] = ""; // left to the call's linking, which says what is wrong
            }
        }
        return slot[0];
    }

    /** How a lambda of class {@code c} is made again; "" when it cannot be; null when which site made it is not known yet. */
    private static String madeAgain(Class<?> c) throws ClassNotFoundException {
        if (!c.isHidden() || !c.getName().contains("$$Lambda") || c.getInterfaces().length != 1) return "";
        StringBuilder captures = new StringBuilder();
        for (java.lang.reflect.Field f : LambdaCaptures.fieldsOf(c)) {
            // numbers and arrays of them (data: one holding the point makes the lambda a holder, which stays
            // as it is; a buffer it fills is stopped at the entry, Ctx.checkWorkHolder); not objects, whose
            // methods it may call
            Class<?> t = f.getType();
            while (t.isArray()) t = t.getComponentType();
            if (!t.isPrimitive()) return "";
            captures.append(java.lang.invoke.MethodType.methodType(f.getType()).toMethodDescriptorString().substring(2));
        }
        Class<?> iface = c.getInterfaces()[0];
        Method sam = singleAbstractMethod(iface);
        if (sam == null) return "";
        String[][] candidates = Bridge.lambdaImplementations(c, iface.getName().replace('.', '/'));
        if (candidates == null || candidates.length == 0) return "";
        if (candidates.length > 1) {
            // look-alike sites: told apart only where a call of the lambda was linked (probing calls it, which
            // must not happen for a lambda the function never calls); from the next gradient on, then
            String[] linked = Linker.resolvedImplementation(c);
            if (linked == null) return null;
            candidates = new String[][] {linked};
        }
        if (!"static".equals(candidates[0][3])) return "";
        String[] impl = candidates[0];
        String samDescriptor = java.lang.invoke.MethodType.methodType(sam.getReturnType(), sam.getParameterTypes()).toMethodDescriptorString();
        if (!impl[2].equals("(" + captures + samDescriptor.substring(1))) return ""; // boxing or widening between them: linked as it is
        if (impl[0].startsWith("java.") || impl[0].startsWith("javax.") || impl[0].startsWith("jdk.")) return ""; // Math::tanh: linked as it is
        boolean ownerIsInterface = Class.forName(impl[0], false, c.getClassLoader()).isInterface();
        return iface.getName().replace('.', '/') + ' ' + sam.getName() + ' ' + samDescriptor + ' '
                + impl[0].replace('.', '/') + ' ' + impl[1] + ' ' + impl[2] + ' ' + (ownerIsInterface ? 'I' : 'C') + ' '
                + (captures.length() == 0 ? "-" : captures);
    }

    /** The one abstract method of a functional interface (its own or inherited), or null. */
    private static Method singleAbstractMethod(Class<?> iface) {
        Method found = null;
        for (Method m : iface.getMethods()) {
            if (!Modifier.isAbstract(m.getModifiers()) || isObjectMethod(m)) continue;
            if (found != null && !(found.getName().equals(m.getName())
                    && java.util.Arrays.equals(found.getParameterTypes(), m.getParameterTypes()))) {
                return null;
            }
            found = m;
        }
        return found;
    }

    private static boolean isObjectMethod(Method m) {
        try {
            Object.class.getMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
