package org.grad4j.rules;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a static method as the reverse rule of one argument of a primitive.
 *
 * <p>For a primitive {@code R name(P0 p0, ..., Pn pn)} of a class listed by {@link RulesFor}
 * on the declaring class, the adjoint method has the signature
 * {@code static double anything(P0 p0, ..., Pn pn, R result, double dResult)} and returns the
 * contribution of {@code dResult} to the adjoint of argument {@link #arg}. The primitive's
 * descriptor is read off this signature, so overloads ({@code abs(D)D}, {@code abs(F)F}) are
 * separate rules.
 *
 * <p>Adjoints are {@code double} for scalars ({@code double}, {@code float}, {@code Number}) and
 * {@code INDArray} for tensors: a tensor result's {@code dResult} is an {@code INDArray} (never
 * null when the rule runs), and the adjoint of a tensor argument is returned as an
 * {@code INDArray}; the adjoint of an {@code INDArray[]} argument (ND4J's varargs, e.g.
 * {@code Nd4j.concat(int, INDArray...)}) is an {@code INDArray[]} of the same length whose element
 * {@code i} (null for zero) is the adjoint of the argument's element {@code i}. A rule must not
 * modify its arguments, its result or {@code dResult}: they
 * may be shared. For rules of instance methods see {@link RulesFor#receiver()}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Adjoint {
    /** The primitive's method name. */
    String of();

    /** The index of the argument whose adjoint this method returns. */
    int arg() default 0;

    /**
     * An adjoint that reads part of a tensor argument ({@code getDouble}, {@code getRow}, …): the
     * method is {@code static void anything(P0 p0, ..., Pn pn, R result, D dResult, INDArray into)}
     * and adds its contribution into {@code into}, zeros shaped, typed and ordered like argument
     * {@link #arg} on the first read, which gathers every such read of the same array in one
     * gradient (added to the array's adjoint when the reverse pass reaches where the array was
     * made). It must add, never assign, and touch only the part read: a loop over a tensor's
     * elements or rows then costs the size of the tensor in all, not the size per read.
     */
    boolean into() default false;
}
