package org.grad4j.runtime;

/**
 * Thrown by a gradient's entry before any of the user's code has run (see {@link
 * Ctx#checkWorkHolder}): an object it takes as data reaches one of its work arrays. {@link
 * EntryCall} catches it and asks for the entry again with that object marked a holder. Not an
 * error a user sees.
 */
final class WorkArrayHolder extends RuntimeException {
    /** The object's parameter index; -1 for the receiver. */
    final int parameter;

    WorkArrayHolder(int parameter) {
        super(null, null, false, false); // control flow: no stack trace
        this.parameter = parameter;
    }

    /** {@code mask} (bits of the declared parameters, {@code '@'} first for a receiver holder) with this object a holder. */
    String holderIn(String mask) {
        boolean receiver = mask.startsWith("@");
        if (parameter < 0) {
            if (receiver) throw new IllegalStateException("grad4j internal error: the receiver is already a holder in " + mask);
            return "@" + mask;
        }
        int at = parameter + (receiver ? 1 : 0);
        if (mask.charAt(at) != '0') throw new IllegalStateException("grad4j internal error: parameter " + parameter + " is already active in " + mask);
        return mask.substring(0, at) + '1' + mask.substring(at + 1);
    }
}
