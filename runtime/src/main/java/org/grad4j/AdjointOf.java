package org.grad4j;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives the reverse rule of a static method of the same class yourself, instead of letting
 * grad4j differentiate its body — where you know a numerically better or faster adjoint.
 *
 * <pre>{@code
 * static double softplus(double x) { return Math.log1p(Math.exp(x)); }
 *
 * @AdjointOf("softplus")
 * static double softplusAdjoint(double x, double y, double dy) { return dy / (1 + Math.exp(-x)); }
 * }</pre>
 *
 * <p>For {@code R m(P0 p0, ..., Pn pn)} the adjoint method is static with the signature
 * {@code double (P0 p0, ..., Pn pn, R result, double dResult)} and returns the contribution of
 * {@code dResult} to the adjoint of argument {@link #arg}; give one per {@code double},
 * {@code float} and {@code INDArray} argument (one returning 0 where an argument carries no
 * derivative): leaving one out is a {@link TransformException}, since its adjoint would silently
 * be 0. (Adjoints of tensors are {@code INDArray}s: {@code dResult} for a tensor result, the
 * return value for a tensor argument.) The rule is used however a gradient reaches the method:
 * called from differentiated code, or as the function a gradient starts in (a method reference,
 * {@link AD#gradient(java.lang.reflect.Method, Object, Object...)}). No rule gives the adjoint of a
 * {@code double[]} argument: a differentiable array passed to a method with a rule is refused.
 * One that fits no method of the class is a
 * {@link TransformException}, thrown when differentiated code first calls the class. For a method of a
 * class you do not own, write the same methods in a class annotated
 * {@link org.grad4j.rules.RulesFor} and register it with {@link AD#registerRules(Class)}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AdjointOf {
    /** The name of the method (in the same class) whose rule this is. */
    String value();

    /** The argument whose adjoint this method returns. */
    int arg() default 0;
}
