package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.AD;
import org.grad4j.agent.elsewhere.ProtectedHelpers;
import org.grad4j.agent.elsewhere.PublicHelpers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Helpers of classes in another package are inlined when the code generated beside the caller can
 * reach everything they read, and called otherwise: a probe found the inlined forms of these
 * failing with IllegalAccessError (members inherited from a package-private class, protected
 * members). Analytic derivatives.
 */
class HelpersOfOtherPackagesTest extends ProtectedHelpers {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static double inheritedPackagePrivateStatic(double x) {
        return PublicHelpers.shifted(x);
    }

    static double inheritedPackagePrivateField(double x) {
        return new PublicHelpers().scaledSquare(x);
    }

    static double protectedStatic(double x) {
        return ProtectedHelpers.kernel(x);
    }

    double protectedFieldOfTheSuperclass(double x) {
        return activation(x);
    }

    static double publicOnly(double x) {
        return PublicHelpers.pure(x) + 1;
    }

    @Test
    void helpersReadingWhatOnlyTheirPackageMayAreCalledNotInlined() {
        double x = 0.5;
        assertEquals(0.25 + Math.cos(x), AD.derivative(HelpersOfOtherPackagesTest::inheritedPackagePrivateStatic, x), 1e-12);
        assertEquals(2 * 0.8 * x, AD.derivative(HelpersOfOtherPackagesTest::inheritedPackagePrivateField, x), 1e-12);
        double k = Math.exp(-x * x / 0.7);
        assertEquals(-2 * x / 0.7 * k, AD.derivative(HelpersOfOtherPackagesTest::protectedStatic, x), 1e-12);
        HelpersOfOtherPackagesTest self = new HelpersOfOtherPackagesTest();
        double t = Math.tanh(1.3 * x);
        assertEquals(1.3 * (1 - t * t), AD.derivative(self::protectedFieldOfTheSuperclass, x), 1e-12);
        assertEquals(3 * x * x, AD.derivative(HelpersOfOtherPackagesTest::publicOnly, x), 1e-12);
    }
}
