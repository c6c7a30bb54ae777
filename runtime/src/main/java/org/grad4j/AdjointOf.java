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
 * {@code dResult} to the adjoint of argument {@link #arg}; give one per differentiable argument.
 * (Adjoints of tensors are {@code INDArray}s: {@code dResult} for a tensor result, the return
 * value for a tensor argument.) The rule is used wherever the method is called from
 * differentiated code. One that fits no method of the class is a
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
