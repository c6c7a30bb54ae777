package org.grad4j.agent.elsewhere;

/**
 * Public helpers of another package that read members only this package may: javac names this
 * class as their owner ({@code getstatic PublicHelpers.shift}), the JVM resolves them in the
 * package-private {@link PackageBase}. Inlined elsewhere they would fail with an IllegalAccessError.
 */
public class PublicHelpers extends PackageBase {
    public static double shifted(double x) {
        return x * shift + Math.sin(x);
    }

    public final double scaledSquare(double x) {
        return c * x * x;
    }

    public static double pure(double x) {
        return x * x * x;
    }
}
