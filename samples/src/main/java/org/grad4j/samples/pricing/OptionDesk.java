package org.grad4j.samples.pricing;

import java.util.Locale;

/**
 * An existing application: it prices a small book of options and prints a report. It knows
 * nothing of gradients or training. Run it with or without the grad4j agent: the output is the
 * same, because the agent never changes a class — see {@link OptionGreeks} for what the agent
 * adds.
 */
public final class OptionDesk {
    /** One position in the book. */
    public record Position(String name, boolean call, double quantity, double spot, double strike, double rate,
                           double volatility, double years) {
        public double price() {
            return call ? BlackScholes.callPrice(spot, strike, rate, volatility, years)
                    : BlackScholes.putPrice(spot, strike, rate, volatility, years);
        }
    }

    public static final Position[] BOOK = {
        new Position("ACME Jun call 100", true, 10, 102.50, 100, 0.035, 0.24, 0.50),
        new Position("ACME Dec call 110", true, -5, 102.50, 110, 0.035, 0.26, 1.00),
        new Position("ACME Jun put 95", false, 20, 102.50, 95, 0.035, 0.27, 0.50),
        new Position("GLOBEX Mar call 40", true, 100, 38.20, 40, 0.035, 0.41, 0.25),
        new Position("GLOBEX Mar put 35", false, -50, 38.20, 35, 0.035, 0.44, 0.25),
        new Position("INITECH 2y call 250", true, 3, 231.00, 250, 0.040, 0.18, 2.00),
    };

    private OptionDesk() {}

    public static void main(String[] args) {
        System.out.println("Option book, priced with Black-Scholes");
        System.out.printf(Locale.ROOT, "%-22s %5s %9s %14s %12s%n", "position", "type", "quantity", "price", "value");
        double total = 0;
        for (Position p : BOOK) {
            double price = p.price();
            double value = p.quantity() * price;
            total += value;
            System.out.printf(Locale.ROOT, "%-22s %5s %9.0f %14.10f %12.6f%n", p.name(), p.call() ? "call" : "put",
                    p.quantity(), price, value);
        }
        System.out.printf(Locale.ROOT, "%-22s %5s %9s %14s %12.6f%n", "book value", "", "", "", total);
    }
}
