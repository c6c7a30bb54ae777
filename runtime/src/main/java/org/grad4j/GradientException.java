package org.grad4j;

/** A gradient could not be computed: bad arguments to {@link AD}, no agent, too deep a loop. */
public class GradientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GradientException(String message) {
        super(message);
    }

    public GradientException(String message, Throwable cause) {
        super(message, cause);
    }

    /** One made ahead and thrown where there is no room to make one: no stack trace, no suppressed exceptions. */
    protected GradientException(String message, boolean preallocated) {
        super(message, null, !preallocated, !preallocated);
    }
}
