package org.grad4j.rules;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The classes (internal names, e.g. {@code java/lang/Math}) whose static methods the
 * {@link Adjoint} methods of the annotated class are rules for. Names, not classes, so that
 * rules for libraries such as Commons Math's {@code FastMath} need no compile-time dependency.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RulesFor {
    String[] value();

    /**
     * True for rules of instance methods (e.g. {@code INDArray.mmul}): each adjoint method then
     * takes the receiver first, and {@code @Adjoint(arg = 0)} is the receiver's adjoint,
     * {@code arg = 1} the first declared argument's.
     */
    boolean receiver() default false;
}
