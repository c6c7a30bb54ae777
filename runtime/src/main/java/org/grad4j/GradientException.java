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
}
