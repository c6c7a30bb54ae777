package org.grad4j.rules;

/**
 * {@code StreamSums.value(high, low, simple)}: the derivative of a fused stream sum passes
 * through the simple sum, each element's 1 exactly; the compensated sum, the value, gets none.
 */
@RulesFor("org/grad4j/runtime/StreamSums")
public final class StreamSumRules {
    private StreamSumRules() {}

    @Adjoint(of = "value", arg = 2)
    public static double simple(double high, double low, double simple, double value, double dValue) {
        return dValue;
    }
}
