package org.grad4j.transformer.analysis;

import org.grad4j.TransformException;

/**
 * The refusal of a differentiable value stored, copied or filled into an array that is a
 * parameter not differentiated (or a row of one): a work array the caller passed in. The
 * outermost call of a gradient lifts it by giving that parameter a shadow of its own ({@code
 * Transformer}); anywhere else it reaches the user as it is.
 */
public final class UntrackedParameterStore extends TransformException {
    private static final long serialVersionUID = 1L;

    private final int parameter;

    public UntrackedParameterStore(String message, int parameter, Throwable cause) {
        super(message, cause);
        this.parameter = parameter;
    }

    /** The declared parameter (receiver excluded) whose array would receive the value. */
    public int parameter() {
        return parameter;
    }
}
