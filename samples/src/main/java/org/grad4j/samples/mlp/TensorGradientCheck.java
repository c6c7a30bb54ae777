package org.grad4j.samples.mlp;

import java.util.Locale;
import org.grad4j.Model;
import org.grad4j.ParameterGradients;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a careful user does before trusting a tensor gradient: compare a few entries of each
 * parameter's gradient with central differences {@code (f(p + h) - f(p - h)) / 2h}, computed by
 * calling the plain {@code loss} with one entry of one parameter moved. Use a float64 model: in
 * float32 the differences themselves are accurate to 1e-3 at best.
 */
public final class TensorGradientCheck {
    private TensorGradientCheck() {}

    /**
     * Prints grad4j's gradient beside central differences at {@code perParameter} entries of
     * every parameter (the first, the last and some in between) and returns the largest error
     * relative to {@code max(|difference|, 1e-3)}.
     */
    public static double compare(Mlp net, INDArray x, INDArray y, int perParameter) {
        if (net.w1.dataType() != DataType.DOUBLE) throw new IllegalArgumentException("check gradients in float64");
        ParameterGradients g = Model.gradient(net, m -> m.loss(x, y));
        INDArray[] params = net.parameters();
        double worst = 0;
        System.out.printf(Locale.ROOT, "gradient check of Mlp.loss (float64, %d examples) at %d entries of each parameter:%n",
                x.rows(), perParameter);
        System.out.printf(Locale.ROOT, "  %-10s %16s %16s %10s%n", "entry", "grad4j", "central diff.", "rel. error");
        for (int p = 0; p < params.length; p++) {
            INDArray param = params[p];
            INDArray grad = (INDArray) g.get(Mlp.NAMES[p]);
            long n = param.length();
            long previous = -1;
            for (int k = 0; k < perParameter; k++) {
                // spread over the parameter: the first entry, the last, and some in between (each once)
                long i = perParameter == 1 ? 0 : k * (n - 1) / (perParameter - 1);
                if (i <= previous) continue;
                previous = i;
                double original = param.getDouble(i);
                double h = 1e-5 * Math.max(1, Math.abs(original));
                param.putScalar(i, original + h);
                double plus = net.loss(x, y);
                param.putScalar(i, original - h);
                double minus = net.loss(x, y);
                param.putScalar(i, original);
                double fd = (plus - minus) / (2 * h);
                double ours = grad.getDouble(i);
                double err = Math.abs(ours - fd) / Math.max(Math.abs(fd), 1e-3);
                worst = Math.max(worst, err);
                System.out.printf(Locale.ROOT, "  %-10s %16.9e %16.9e %10.2e%n", Mlp.NAMES[p] + "[" + i + "]", ours, fd, err);
            }
        }
        System.out.printf(Locale.ROOT, "  largest relative error %.2e%n%n", worst);
        return worst;
    }
}
