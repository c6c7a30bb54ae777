package org.grad4j.samples.support;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small line/scatter chart drawn with Java2D and written as PNG through ImageIO: no plotting
 * dependency, and it works on a machine without a display (headless mode).
 *
 * <pre>{@code
 * Chart.of("Loss", "epoch", "loss").logY().line(epochs, losses, Chart.BLUE, "training loss")
 *      .writePng(Path.of("loss.png"));
 * }</pre>
 *
 * Several charts can share one image side by side with {@link #writePng(Path, Chart...)}.
 */
public final class Chart {
    public static final Color BLUE = new Color(0x1f77b4);
    public static final Color ORANGE = new Color(0xff7f0e);
    public static final Color GREEN = new Color(0x2ca02c);
    public static final Color RED = new Color(0xd62728);
    public static final Color GREY = new Color(0x7f7f7f);

    private static final int WIDTH = 640;
    private static final int HEIGHT = 440;
    private static final int LEFT = 78;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 56;

    private record Series(double[] x, double[] y, Color color, String label, boolean points, double radius) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;

    private Chart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public static Chart of(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel);
    }

    /** A logarithmic y axis (for loss curves); values &le; 0 are left out. */
    public Chart logY() {
        logY = true;
        return this;
    }

    public Chart line(double[] x, double[] y, Color color, String label) {
        series.add(new Series(x, y, color, label, false, 0));
        return this;
    }

    public Chart points(double[] x, double[] y, Color color, String label) {
        return points(x, y, color, label, 3);
    }

    /** Dots of the given radius in pixels. */
    public Chart points(double[] x, double[] y, Color color, String label, double radius) {
        series.add(new Series(x, y, color, label, true, radius));
        return this;
    }

    /** {@code 0, 1, ..., n-1}: the x values of a loss curve. */
    public static double[] index(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return x;
    }

    public void writePng(Path file) {
        writePng(file, this);
    }

    /** Writes the charts side by side into one PNG file. */
    public static void writePng(Path file, Chart... charts) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH * charts.length, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.length; i++) {
            Graphics2D panel = (Graphics2D) g.create(i * WIDTH, 0, WIDTH, HEIGHT);
            charts[i].draw(panel);
            panel.dispose();
        }
        g.dispose();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private double ty(double y) {
        return logY ? Math.log10(y) : y;
    }

    private void draw(Graphics2D g) {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!usable(s.y[i]) || !Double.isFinite(s.x[i])) continue;
                xMin = Math.min(xMin, s.x[i]);
                xMax = Math.max(xMax, s.x[i]);
                yMin = Math.min(yMin, ty(s.y[i]));
                yMax = Math.max(yMax, ty(s.y[i]));
            }
        }
        if (!(xMin <= xMax)) { xMin = 0; xMax = 1; yMin = 0; yMax = 1; }
        if (xMax == xMin) xMax = xMin + 1;
        double xPad = 0.02 * (xMax - xMin);
        xMin -= xPad;
        xMax += xPad;
        if (yMax == yMin) { yMax += 0.5; yMin -= 0.5; }
        if (logY) { yMin = Math.floor(yMin); yMax = Math.ceil(yMax); }
        else { double pad = 0.05 * (yMax - yMin); yMin -= pad; yMax += pad; }

        int w = WIDTH - LEFT - RIGHT;
        int h = HEIGHT - TOP - BOTTOM;
        final double x0 = xMin, x1 = xMax, y0 = yMin, y1 = yMax;
        java.util.function.DoubleUnaryOperator px = x -> LEFT + (x - x0) / (x1 - x0) * w;
        java.util.function.DoubleUnaryOperator py = y -> TOP + h - (y - y0) / (y1 - y0) * h;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        // grid and ticks
        g.setStroke(new BasicStroke(1f));
        for (double t : ticks(x0, x1)) {
            int x = (int) Math.round(px.applyAsDouble(t));
            g.setColor(new Color(0xeeeeee));
            g.drawLine(x, TOP, x, TOP + h);
            g.setColor(Color.DARK_GRAY);
            String s = label(t);
            g.drawString(s, x - fm.stringWidth(s) / 2, TOP + h + fm.getHeight() + 2);
        }
        double[] yTicks = logY ? logTicks(y0, y1) : ticks(y0, y1);
        for (double t : yTicks) {
            int y = (int) Math.round(py.applyAsDouble(t));
            g.setColor(new Color(0xeeeeee));
            g.drawLine(LEFT, y, LEFT + w, y);
            g.setColor(Color.DARK_GRAY);
            String s = logY ? logLabel(t, y0 > -3.5 && y1 < 4.5) : label(t);
            g.drawString(s, LEFT - fm.stringWidth(s) - 6, y + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(LEFT, TOP, w, h);
        // labels
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        FontMetrics bold = g.getFontMetrics();
        g.drawString(title, (WIDTH - bold.stringWidth(title)) / 2, TOP - 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics plain = g.getFontMetrics();
        g.drawString(xLabel, LEFT + (w - plain.stringWidth(xLabel)) / 2, HEIGHT - 12);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        String yl = logY ? yLabel + " (log scale)" : yLabel;
        rotated.drawString(yl, -(TOP + (h + plain.stringWidth(yl)) / 2), 18);
        rotated.dispose();
        // data
        Graphics2D clip = (Graphics2D) g.create();
        clip.clipRect(LEFT, TOP, w + 1, h + 1);
        for (Series s : series) {
            clip.setColor(s.color);
            if (s.points) {
                for (int i = 0; i < s.x.length; i++) {
                    if (!usable(s.y[i])) continue;
                    double x = px.applyAsDouble(s.x[i]), y = py.applyAsDouble(ty(s.y[i]));
                    clip.fill(new Ellipse2D.Double(x - s.radius, y - s.radius, 2 * s.radius, 2 * s.radius));
                }
            } else {
                clip.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double path = new Path2D.Double();
                boolean started = false;
                for (int i = 0; i < s.x.length; i++) {
                    if (!usable(s.y[i])) { started = false; continue; }
                    double x = px.applyAsDouble(s.x[i]), y = py.applyAsDouble(ty(s.y[i]));
                    if (started) path.lineTo(x, y); else path.moveTo(x, y);
                    started = true;
                }
                clip.draw(path);
            }
        }
        clip.dispose();
        // legend
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int entries = 0, widest = 0;
        for (Series s : series) {
            if (s.label == null) continue;
            entries++;
            widest = Math.max(widest, fm.stringWidth(s.label));
        }
        if (entries > 0) { // a white box, so that the legend stays readable over data
            g.setColor(new Color(255, 255, 255, 220));
            g.fillRect(LEFT + w - 10 - widest - 32, TOP + 3, widest + 38, 18 * entries + 4);
        }
        int ly = TOP + 16;
        for (Series s : series) {
            if (s.label == null) continue;
            int lx = LEFT + w - 10 - fm.stringWidth(s.label) - 26;
            g.setColor(s.color);
            if (s.points) g.fillOval(lx + 6, ly - 7, 7, 7);
            else { g.setStroke(new BasicStroke(2f)); g.drawLine(lx, ly - 4, lx + 20, ly - 4); }
            g.setColor(Color.DARK_GRAY);
            g.drawString(s.label, lx + 26, ly);
            ly += 18;
        }
    }

    private boolean usable(double y) {
        return Double.isFinite(y) && (!logY || y > 0);
    }

    /** About six round tick values between lo and hi. */
    private static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.add(Math.abs(t) < 1e-12 * step ? 0 : t);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] logTicks(double lo, double hi) {
        int span = (int) Math.round(hi - lo);
        int stride = Math.max(1, (span + 7) / 8);
        List<Double> out = new ArrayList<>();
        for (int e = (int) Math.round(lo); e <= hi; e += stride) {
            out.add((double) e);
            if (span <= 2 && e < hi) { // few decades: also 2× and 5×
                out.add(e + Math.log10(2));
                out.add(e + Math.log10(5));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A tick of a log axis: a plain number when the whole axis lies in [0.001, 10000], else e.g. 2×1e-5. */
    private static String logLabel(double exponent, boolean plain) {
        if (plain) return label(Double.parseDouble(String.format(Locale.ROOT, "%.3g", Math.pow(10, exponent))));
        int e = (int) Math.floor(exponent + 1e-9);
        long mantissa = Math.round(Math.pow(10, exponent - e));
        return (mantissa == 1 ? "" : mantissa + "×") + "1e" + e;
    }

    private static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) return Long.toString((long) v);
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e6) return String.format(Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "");
        return String.format(Locale.ROOT, "%.1e", v);
    }
}
