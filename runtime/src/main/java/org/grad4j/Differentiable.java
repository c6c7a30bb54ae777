package org.grad4j;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method whose gradient grad4j computes. The method stays ordinary Java: called as
 * usual it runs its original bytecode; {@link AD} runs a generated reverse-mode version.
 *
 * <p>RUNTIME retention is required: the agent finds annotated methods again when classes are
 * retransformed, and CLASS-retention annotations are not visible then.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Differentiable {}
