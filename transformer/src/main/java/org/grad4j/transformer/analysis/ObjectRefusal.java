package org.grad4j.transformer.analysis;

import org.grad4j.TransformException;

/**
 * The refusal of an object made from differentiable values: a constructor call given them, or a
 * helper given them that returns an object. With the small helpers inlined the object may become
 * the method's own and be replaced by its fields ({@code ValueObjects}); when that form is refused
 * for something else, that other refusal says better what the user must change ({@code
 * Transformer}).
 */
public class ObjectRefusal extends TransformException {
    private static final long serialVersionUID = 1L;

    public ObjectRefusal(String message) {
        super(message);
    }
}
