package org.grad4j.transformer;

/**
 * Which parameters a generated variant differentiates: one {@code '1'}/{@code '0'} per declared
 * parameter, optionally preceded by {@code '@'} when the receiver holds model parameters. For a
 * reference parameter that cannot carry a derivative, {@code '1'} marks a holder of model
 * parameters. Requests carry it after the descriptor: {@code name(desc)R#mask}.
 */
public record ActivityMask(boolean receiverHolds, boolean[] parameters) {

    public static ActivityMask parse(String mask, int parameterCount) {
        boolean receiver = mask.startsWith("@");
        String bits = receiver ? mask.substring(1) : mask;
        if (bits.length() != parameterCount || !bits.matches("[01]*")) {
            throw new IllegalArgumentException("activity mask '" + mask + "' does not fit " + parameterCount + " parameters");
        }
        boolean[] p = new boolean[parameterCount];
        for (int i = 0; i < parameterCount; i++) p[i] = bits.charAt(i) == '1';
        return new ActivityMask(receiver, p);
    }

    public boolean isActive(int parameter) {
        return parameters[parameter];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(receiverHolds ? "@" : "");
        for (boolean b : parameters) sb.append(b ? '1' : '0');
        return sb.toString();
    }
}
