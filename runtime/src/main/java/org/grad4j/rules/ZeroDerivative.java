package org.grad4j.rules;

import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares primitives of the {@link RulesFor} classes whose derivative is zero wherever it
 * exists (step functions such as {@code floor}), so their results carry no gradient.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(ZeroDerivative.List.class)
public @interface ZeroDerivative {
    /** Method name. */
    String name();

    /** JVM method descriptor, e.g. {@code (D)D}. */
    String descriptor();

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface List {
        ZeroDerivative[] value();
    }
}
