package org.grad4j.rules;

/** {@code AD.stopGradient}: the value passes, its derivative does not. */
@RulesFor("org/grad4j/AD")
@ZeroDerivative(name = "stopGradient", descriptor = "(D)D")
@ZeroDerivative(name = "stopGradient", descriptor = "(F)F")
public final class ADRules {
    private ADRules() {}
}
