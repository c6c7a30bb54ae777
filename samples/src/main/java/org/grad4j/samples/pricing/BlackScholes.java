package org.grad4j.samples.pricing;

import org.grad4j.Differentiable;

/**
 * European option prices under Black–Scholes. Code of the kind that sits in a pricing library:
 * the only trace of grad4j is one annotation, which changes nothing when the method is called.
 * The helpers it calls ({@link #normalCdf}) and {@link #putPrice} need none: grad4j
 * differentiates any method whose bytecode it can read.
 */
public final class BlackScholes {
    private BlackScholes() {}

    /**
     * The price of a European call.
     *
     * @param spot the underlying's price now
     * @param strike the strike price
     * @param rate the continuously compounded risk-free rate, per year
     * @param volatility the annualised volatility
     * @param years the time to expiry
     */
    @Differentiable
    public static double callPrice(double spot, double strike, double rate, double volatility, double years) {
        double sqrtT = Math.sqrt(years);
        double d1 = (Math.log(spot / strike) + (rate + 0.5 * volatility * volatility) * years) / (volatility * sqrtT);
        double d2 = d1 - volatility * sqrtT;
        return spot * normalCdf(d1) - strike * Math.exp(-rate * years) * normalCdf(d2);
    }

    /** The price of a European put, by put–call parity. */
    public static double putPrice(double spot, double strike, double rate, double volatility, double years) {
        return callPrice(spot, strike, rate, volatility, years) - spot + strike * Math.exp(-rate * years);
    }

    /**
     * The standard normal distribution function, by the rational approximation 26.2.17 of
     * Abramowitz and Stegun (absolute error below 7.5e-8).
     */
    public static double normalCdf(double x) {
        double t = 1 / (1 + 0.2316419 * Math.abs(x));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double tail = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) * poly;
        return x >= 0 ? 1 - tail : tail;
    }
}
