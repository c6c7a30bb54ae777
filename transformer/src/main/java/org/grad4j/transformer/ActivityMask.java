package org.grad4j.transformer;

import org.objectweb.asm.Type;

/**
 * Which parameters a generated variant differentiates: one {@code '1'}/{@code '0'} per declared
 * parameter, optionally preceded by {@code '@'} when the receiver holds model parameters. For a
 * reference parameter that cannot carry a derivative, {@code '1'} marks a holder of model
 * parameters. Requests carry it after the descriptor: {@code name(desc)R#mask}.
 *
 * <p>A mask ending in {@value #OUTERMOST} asks for the variant a gradient starts in (whose
 * continuation is the top one): nothing runs between its forward pass and its reverse, so arrays it
 * never writes stay as they are (see {@code analysis.ReadOnlyArrays}). The entry {@code AD} calls
 * asks with {@value #ENTRY}, which is outermost too; calls from generated code ask for the plain
 * variant, or an outermost one where nothing after the call writes an array.
 */
public record ActivityMask(boolean receiverHolds, boolean[] parameters, boolean outermost, boolean entry, boolean[] work,
                           java.util.Map<Integer, LambdaArgument> lambdas, java.util.Map<Integer, String> objects) {

    /**
     * A lambda the runtime handed to the entry as parameter {@code index} that runs one static method
     * and captures only numbers and arrays of them: the entry makes it again at its start, so that calls of it are inlined
     * as those of a lambda made in the method (see the runtime's {@code LambdaArguments}, which writes
     * it after the bits: {@code |index interface samName samDescriptor implOwner implName implDescriptor I|C captures}).
     */
    public record LambdaArgument(String functionalInterface, String samName, String samDescriptor, String implOwner,
                                 String implName, String implDescriptor, boolean implOwnerIsInterface, String captures) {
        static LambdaArgument parse(String[] f) {
            return new LambdaArgument(f[1], f[2], f[3], f[4], f[5], f[6], f[7].equals("I"), f[8].equals("-") ? "" : f[8]);
        }

        /** The types of the values it captured, in order. */
        public Type[] capturedTypes() {
            return Type.getArgumentTypes("(" + captures + ")V");
        }

        @Override
        public String toString() {
            return String.join(" ", functionalInterface, samName, samDescriptor, implOwner, implName, implDescriptor,
                    implOwnerIsInterface ? "I" : "C", captures.isEmpty() ? "-" : captures);
        }
    }

    /** The suffix of an outermost variant's mask, as the runtime asks for it. */
    public static final String OUTERMOST = org.grad4j.runtime.Bridge.OUTERMOST;

    /** The suffix of the mask of the variant {@code AD} calls itself: outermost, and given the user's arguments. */
    public static final String ENTRY = org.grad4j.runtime.Bridge.ENTRY;

    /**
     * Marks a parameter the caller passes without a shadow that the variant differentiates all
     * the same, with a zero shadow it makes on entry: a work array of the outermost call (a
     * buffer a lambda captured) that receives differentiable values. Only the transformer writes
     * it (see {@code Transformer}); the runtime asks with {@code '0'} there.
     */
    public static final char WORK = 'w';

    public static ActivityMask parse(String mask, int parameterCount) {
        boolean entry = mask.endsWith(ENTRY);
        boolean outermost = entry || mask.endsWith(OUTERMOST);
        String rest = entry ? mask.substring(0, mask.length() - ENTRY.length())
                : outermost ? mask.substring(0, mask.length() - OUTERMOST.length()) : mask;
        java.util.Map<Integer, LambdaArgument> lambdas = new java.util.TreeMap<>();
        java.util.Map<Integer, String> objects = new java.util.TreeMap<>();
        int section = rest.indexOf('|');
        if (section >= 0) {
            for (String l : rest.substring(section + 1).split("\\|")) {
                String[] f = l.split(" ");
                if (f.length == 3 && f[1].equals("new")) { // an object of that class, made again (the runtime's ObjectArguments)
                    objects.put(Integer.parseInt(f[0]), f[2]);
                    continue;
                }
                if (f.length != 9) throw new IllegalArgumentException("activity mask '" + mask + "': lambda argument '" + l + "'");
                lambdas.put(Integer.parseInt(f[0]), LambdaArgument.parse(f));
            }
            rest = rest.substring(0, section);
        }
        boolean receiver = rest.startsWith("@");
        String bits = receiver ? rest.substring(1) : rest;
        if (bits.length() != parameterCount || !bits.matches("[01" + WORK + "]*")) {
            throw new IllegalArgumentException("activity mask '" + mask + "' does not fit " + parameterCount + " parameters");
        }
        boolean[] p = new boolean[parameterCount];
        boolean[] w = new boolean[parameterCount];
        for (int i = 0; i < parameterCount; i++) {
            w[i] = bits.charAt(i) == WORK;
            p[i] = bits.charAt(i) == '1' || w[i];
        }
        return new ActivityMask(receiver, p, outermost, entry, w, java.util.Collections.unmodifiableMap(lambdas),
                java.util.Collections.unmodifiableMap(objects));
    }

    /** {@code mask} with parameter {@code parameter} a work array ({@link #WORK}). */
    public static String withWork(String mask, int parameter) {
        int at = parameter + (mask.startsWith("@") ? 1 : 0);
        return mask.substring(0, at) + WORK + mask.substring(at + 1);
    }

    /** Whether the variant differentiates the parameter (its shadow the caller's, or its own for a work array). */
    public boolean isActive(int parameter) {
        return parameters[parameter];
    }

    /** Whether the parameter is a work array whose zero shadow the variant makes on entry. */
    public boolean isWork(int parameter) {
        return work[parameter];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(receiverHolds ? "@" : "");
        for (int i = 0; i < parameters.length; i++) sb.append(work[i] ? WORK : parameters[i] ? '1' : '0');
        lambdas.forEach((i, l) -> sb.append('|').append(i).append(' ').append(l));
        objects.forEach((i, c) -> sb.append('|').append(i).append(" new ").append(c));
        return entry ? sb.append(ENTRY).toString() : outermost ? sb.append(OUTERMOST).toString() : sb.toString();
    }
}
