package org.grad4j.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The contents of the arrays of numbers a call is given as data (what a lambda captured, which
 * may be a buffer the function fills and reads back), kept so that they can be put back: a
 * computation that runs the function several times ({@code AD.jacobian}, one pass per output)
 * starts every pass from the same state. Rows of an array of arrays are kept as references and as
 * contents, so a row the function replaced is put back too.
 */
public final class DataArrays {
    /** Pairs of (array, copy of its elements). */
    private final List<Object[]> kept = new ArrayList<>();

    private DataArrays() {}

    /** What the data arrays of {@code call} (its parameters not differentiated) hold now. */
    public static DataArrays of(Call call) {
        DataArrays d = new DataArrays();
        for (int i = 0; i < call.args().length; i++) {
            Object a = call.args()[i];
            if (!call.differentiated()[i] && a != null && Shadows.isDifferentiableArray(a.getClass())) d.keep(a);
        }
        return d;
    }

    private void keep(Object array) {
        if (array instanceof double[] v) {
            kept.add(new Object[] {array, v.clone()});
        } else if (array instanceof float[] v) {
            kept.add(new Object[] {array, v.clone()});
        } else {
            Object[] rows = (Object[]) array;
            kept.add(new Object[] {array, rows.clone()});
            for (Object row : rows) if (row != null) keep(row);
        }
    }

    /** Puts back what the arrays held when this was taken. */
    public void putBack() {
        for (Object[] k : kept) System.arraycopy(k[1], 0, k[0], 0, java.lang.reflect.Array.getLength(k[1]));
    }
}
