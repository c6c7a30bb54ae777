package org.grad4j.transformer.examples;

/**
 * Methods that store differentiable values into arrays their caller passed in: {@code w} is
 * differentiated, the buffers are not (a lambda's captures). See {@link WorkBuffersTest}.
 */
final class WorkBuffers {
    private WorkBuffers() {}

    static double direct(double[] w, double[] data, double[] buf) {
        for (int i = 0; i < buf.length; i++) buf[i] = w[i] * data[i];
        return buf[0];
    }

    static double swapped(double[] w, double[] a, double[] b) {
        for (int t = 0; t < 3; t++) {
            b[0] = a[0] * w[0]; // the first time into b, then into a
            double[] tmp = a;
            a = b;
            b = tmp;
        }
        return a[0];
    }

    static double chosen(double[] w, double[] buf) {
        double[] h = buf != null ? buf : new double[1];
        h[0] = w[0] * w[0];
        return h[0];
    }

    static double asRow(double[] w, double[] buf) {
        double[][] m = {buf};
        m[0][0] = w[0] * w[0];
        return buf[0];
    }

    static double throughACall(double[] w, double[] buf) {
        double[] same = identity(buf);
        same[0] = w[0];
        return buf[0];
    }

    static double[] identity(double[] a) {
        return a;
    }

    static double ownArrayOnly(double[] w, double[] data) {
        double[] own = new double[data.length];
        double[] src = data;
        for (int i = 0; i < own.length; i++) own[i] = w[i] * src[i];
        return own[0];
    }
}
