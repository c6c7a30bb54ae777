package org.grad4j.transformer.analysis;

/**
 * The refusal of a lambda capturing a differentiable value that stays an object ({@code
 * LambdaObjects} says where it went). With more helpers inlined the lambda is followed further,
 * so that form's refusal names the use that stops it more exactly ({@code Transformer}).
 */
public final class LambdaRefusal extends ObjectRefusal {
    private static final long serialVersionUID = 1L;

    public LambdaRefusal(String message) {
        super(message);
    }
}
