package org.grad4j;

/**
 * A method cannot be differentiated as written. The message names the class, method, source
 * line, the construct, and what to do instead.
 */
public class TransformException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TransformException(String message) {
        super(message);
    }

    public TransformException(String message, Throwable cause) {
        super(message, cause);
    }
}
