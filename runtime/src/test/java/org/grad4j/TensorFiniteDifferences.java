package org.grad4j;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Central differences for tensor parameters, for {@link FakeBridge}; loaded only when a method has tensors. */
final class TensorFiniteDifferences {
    private TensorFiniteDifferences() {}

    /** dy · ∂f/∂(tensor parameter i, or element k of the INDArray[] parameter i), in the tensor's dtype. */
    static Object gradient(Method m, Object receiver, Object[] args, int i, int k, double dy) throws Throwable {
        INDArray x = (INDArray) (k < 0 ? args[i] : ((Object[]) args[i])[k]);
        INDArray flat = x.dup('c').reshape(x.length());
        double[] g = new double[(int) x.length()];
        boolean single = x.dataType() != DataType.DOUBLE;
        for (int j = 0; j < g.length; j++) {
            double v = flat.getDouble(j);
            double h = (single ? 1e-2 : 1e-6) * Math.max(1, Math.abs(v));
            double fp = call(m, receiver, with(args, i, k, x, flat, j, v + h));
            double fm = call(m, receiver, with(args, i, k, x, flat, j, v - h));
            g[j] = dy * (fp - fm) / (2 * h);
        }
        return org.nd4j.linalg.factory.Nd4j.create(g, x.shape(), DataType.DOUBLE).castTo(x.dataType());
    }

    static Object add(Object a, Object b) {
        return a == null ? b : ((INDArray) a).add((INDArray) b);
    }

    private static Object[] with(Object[] args, int i, int k, INDArray x, INDArray flat, int j, double v) {
        INDArray changed = flat.dup();
        changed.putScalar(j, v);
        INDArray shaped = changed.reshape(x.shape());
        Object[] copy = args.clone();
        if (k < 0) {
            copy[i] = shaped;
        } else {
            Object[] elements = ((Object[]) args[i]).clone();
            elements[k] = shaped;
            copy[i] = elements;
        }
        return copy;
    }

    private static double call(Method m, Object receiver, Object[] args) throws Throwable {
        try {
            return ((Number) m.invoke(receiver, args)).doubleValue();
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
