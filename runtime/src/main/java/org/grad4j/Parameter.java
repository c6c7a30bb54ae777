package org.grad4j;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of a model object as a trainable parameter: a {@code double}, {@code float},
 * {@code double[]}, {@code double[][]}, {@code float[]}, {@code INDArray} or {@code INDArray[]}.
 * Differentiated code that reads it gets the field's value as an input, and
 * {@link Model#gradient} reports its gradient — the way {@code module.parameters()} works in
 * PyTorch.
 *
 * <pre>{@code
 * final class Line {
 *     @Parameter double slope = 0.1;
 *     @Parameter double intercept;
 *     double loss(double[] xs, double[] ys) { ... reads slope and intercept ... }
 * }
 * ParameterGradients g = Model.gradient(line, m -> m.loss(xs, ys));
 * Optimizer.adam(0.01).step(g);
 * }</pre>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Parameter {}
