package org.grad4j.samples.support;

import java.util.Arrays;
import java.util.Locale;

/**
 * Per-epoch progress lines (epoch, loss, elapsed time, anything else worth showing) and the
 * loss curve kept for plotting.
 */
public final class TrainingLog {
    private final int epochs;
    private final int every;
    private final long start = System.nanoTime();
    private double[] losses = new double[64];
    private int count;

    /** @param every print one line every this many epochs (and always the first and last) */
    public TrainingLog(int epochs, int every) {
        this.epochs = epochs;
        this.every = Math.max(1, every);
    }

    /** Records the loss of {@code epoch} (0-based) and prints a line when it is due. */
    public void record(int epoch, double loss, String extra) {
        if (count == losses.length) losses = Arrays.copyOf(losses, 2 * count);
        losses[count++] = loss;
        if (epoch % every == 0 || epoch == epochs - 1) {
            int width = Integer.toString(epochs).length();
            System.out.printf(Locale.ROOT, "epoch %" + width + "d/%d  loss %.6e  %s  %6.2f s%n",
                    epoch + 1, epochs, loss, extra == null ? "" : extra, seconds());
        }
    }

    /** Seconds since this log was made. */
    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    public double[] losses() {
        return Arrays.copyOf(losses, count);
    }

    public double first() {
        return losses[0];
    }

    public double last() {
        return losses[count - 1];
    }
}
