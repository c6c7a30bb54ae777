package org.grad4j.transformer;

/**
 * Which parameters a generated variant differentiates: one {@code '1'}/{@code '0'} per declared
 * parameter, optionally preceded by {@code '@'} when the receiver holds model parameters. For a
 * reference parameter that cannot carry a derivative, {@code '1'} marks a holder of model
 * parameters. Requests carry it after the descriptor: {@code name(desc)R#mask}.
 *
 * <p>A mask ending in {@value #OUTERMOST} asks for the variant a gradient starts in (the entry
 * {@code AD} calls, whose continuation is the top one): nothing runs between its forward pass and
 * its reverse, so arrays it never writes stay as they are (see
 * {@code analysis.ReadOnlyArrays}). Calls from generated code ask for the plain variant.
 */
public record ActivityMask(boolean receiverHolds, boolean[] parameters, boolean outermost) {

    /** The suffix of an outermost variant's mask, as the runtime asks for it. */
    public static final String OUTERMOST = org.grad4j.runtime.Bridge.OUTERMOST;

    public static ActivityMask parse(String mask, int parameterCount) {
        boolean outermost = mask.endsWith(OUTERMOST);
        String rest = outermost ? mask.substring(0, mask.length() - OUTERMOST.length()) : mask;
        boolean receiver = rest.startsWith("@");
        String bits = receiver ? rest.substring(1) : rest;
        if (bits.length() != parameterCount || !bits.matches("[01]*")) {
            throw new IllegalArgumentException("activity mask '" + mask + "' does not fit " + parameterCount + " parameters");
        }
        boolean[] p = new boolean[parameterCount];
        for (int i = 0; i < parameterCount; i++) p[i] = bits.charAt(i) == '1';
        return new ActivityMask(receiver, p, outermost);
    }

    public boolean isActive(int parameter) {
        return parameters[parameter];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(receiverHolds ? "@" : "");
        for (boolean b : parameters) sb.append(b ? '1' : '0');
        return outermost ? sb.append(OUTERMOST).toString() : sb.toString();
    }
}
