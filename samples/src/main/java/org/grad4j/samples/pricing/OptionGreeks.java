package org.grad4j.samples.pricing;

import java.lang.reflect.Method;
import java.util.Locale;
import org.grad4j.AD;
import org.grad4j.Gradients;
import org.grad4j.samples.support.Args;
import org.grad4j.samples.support.Results;

/**
 * A separate driver for the unchanged {@link OptionDesk}: with the agent attached, the Greeks
 * of every position are the gradient of the library's own pricing method — delta, vega, rho and
 * theta from one reverse pass each, no bumping and re-pricing, no change to the pricing code.
 * They are checked against central differences and against the closed-form Black–Scholes
 * Greeks.
 */
public final class OptionGreeks {
    private OptionGreeks() {}

    public static void main(String[] argv) throws ReflectiveOperationException {
        Args args = new Args(argv);
        if (args.flag("install")) {
            AD.install(); // attach the agent at run time: grad4j-agent.jar is on the class path, no -javaagent
        }
        Method call = BlackScholes.class.getMethod("callPrice", double.class, double.class, double.class, double.class,
                double.class);
        Method put = BlackScholes.class.getMethod("putPrice", double.class, double.class, double.class, double.class,
                double.class);
        System.out.println("Greeks of the option book: the gradient of BlackScholes.callPrice / putPrice by grad4j");
        System.out.printf(Locale.ROOT, "%-22s %10s %10s %10s %10s %10s%n", "position", "price", "delta", "vega", "rho",
                "theta");
        double worstFd = 0, worstClosed = 0;
        double bookDelta = 0;
        for (OptionDesk.Position p : OptionDesk.BOOK) {
            Object[] at = {p.spot(), p.strike(), p.rate(), p.volatility(), p.years()};
            Gradients g = AD.gradient(p.call() ? call : put, null, at);
            double delta = (Double) g.get(0), rho = (Double) g.get(2), vega = (Double) g.get(3);
            double theta = -(Double) g.get(4); // per year of calendar time passing
            System.out.printf(Locale.ROOT, "%-22s %10.4f %10.5f %10.4f %10.4f %10.4f%n", p.name(), g.value(), delta, vega,
                    rho, theta);
            bookDelta += p.quantity() * delta;

            for (int i = 0; i < 5; i++) {
                double fd = centralDifference(p, i);
                worstFd = Math.max(worstFd, Math.abs((Double) g.get(i) - fd) / Math.max(1, Math.abs(fd)));
            }
            double[] closed = closedForm(p);
            double[] ours = {delta, vega, rho, theta};
            for (int i = 0; i < 4; i++) {
                worstClosed = Math.max(worstClosed, Math.abs(ours[i] - closed[i]) / Math.max(1, Math.abs(closed[i])));
            }
        }

        // Implied volatility: the volatility at which the model reproduces a quoted price, by
        // Newton's method with the derivative (vega) from grad4j.
        OptionDesk.Position quoted = OptionDesk.BOOK[0];
        double marketPrice = 9.50;
        double vol = 0.2;
        int iterations = 0;
        for (; iterations < 20; iterations++) {
            double s = quoted.spot(), k = quoted.strike(), r = quoted.rate(), t = quoted.years();
            double error = BlackScholes.callPrice(s, k, r, vol, t) - marketPrice;
            if (Math.abs(error) < 1e-12) break;
            vol -= error / AD.derivative(v -> BlackScholes.callPrice(s, k, r, v, t), vol);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Implied volatility of %s quoted at %.2f: %.10f (Newton, %d steps, vega by grad4j)%n",
                quoted.name(), marketPrice, vol, iterations);
        double repriced = BlackScholes.callPrice(quoted.spot(), quoted.strike(), quoted.rate(), vol, quoted.years());

        System.out.println();
        System.out.println("Summary");
        System.out.printf(Locale.ROOT, "  book delta                      %.4f shares%n", bookDelta);
        System.out.printf(Locale.ROOT, "  vs central differences          largest relative error %.2e%n", worstFd);
        System.out.printf(Locale.ROOT, "  vs closed-form Greeks           largest relative error %.2e "
                + "(the pricing code's own N(x) is an approximation)%n", worstClosed);
        System.out.printf(Locale.ROOT, "  implied volatility              %.8f reprices to %.12f%n", vol, repriced);
        new Results().put("gradcheck.maxRelError", worstFd).put("closedForm.maxRelError", worstClosed)
                .put("bookDelta", bookDelta)
                .put("impliedVolatility", vol).put("impliedVolatility.repriced", repriced)
                .put("impliedVolatility.iterations", iterations).writeTo(args.path("results"));
    }

    private static double centralDifference(OptionDesk.Position p, int parameter) {
        double[] x = {p.spot(), p.strike(), p.rate(), p.volatility(), p.years()};
        double h = 1e-6 * Math.max(1, Math.abs(x[parameter]));
        double[] up = x.clone(), down = x.clone();
        up[parameter] += h;
        down[parameter] -= h;
        return (price(p.call(), up) - price(p.call(), down)) / (2 * h);
    }

    private static double price(boolean call, double[] x) {
        return call ? BlackScholes.callPrice(x[0], x[1], x[2], x[3], x[4]) : BlackScholes.putPrice(x[0], x[1], x[2], x[3], x[4]);
    }

    /** Delta, vega, rho and theta of the textbook formulas, with the exact normal distribution. */
    static double[] closedForm(OptionDesk.Position p) {
        double s = p.spot(), k = p.strike(), r = p.rate(), v = p.volatility(), t = p.years();
        double d1 = (Math.log(s / k) + (r + 0.5 * v * v) * t) / (v * Math.sqrt(t));
        double d2 = d1 - v * Math.sqrt(t);
        double pdf = Math.exp(-0.5 * d1 * d1) / Math.sqrt(2 * Math.PI);
        double discount = Math.exp(-r * t);
        double vega = s * pdf * Math.sqrt(t);
        if (p.call()) {
            return new double[] {cdf(d1), vega, k * t * discount * cdf(d2),
                -s * pdf * v / (2 * Math.sqrt(t)) - r * k * discount * cdf(d2)};
        }
        return new double[] {cdf(d1) - 1, vega, -k * t * discount * cdf(-d2),
            -s * pdf * v / (2 * Math.sqrt(t)) + r * k * discount * cdf(-d2)};
    }

    /** The normal distribution function to double precision, by the complementary error function. */
    private static double cdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** erfc by its continued fraction for large |x| and the Taylor series for small: accurate to ~1e-14. */
    private static double erfc(double x) {
        if (x < 0) return 2 - erfc(-x);
        if (x < 2.5) {
            double sum = x, term = x, x2 = x * x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        double f = 0;
        for (int n = 60; n >= 1; n--) f = n / 2.0 / (x + f);
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
    }
}
