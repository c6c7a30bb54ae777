package org.grad4j.runtime;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.GradientException;
import org.grad4j.tensor.TensorParameters;

/**
 * Refuses a model in which a parameter's numbers are reachable other than through its own
 * {@code @Parameter} field, where reads would leave the parameter a silent zero:
 * <ul>
 *   <li>data — an array or tensor reached through fields that are not parameters (also inside
 *       arrays, collections and maps) — that is a parameter's array object or one of its rows
 *       ({@code double[] view = w}), or a tensor lying inside a parameter's memory
 *       ({@code W = params.get(…)}, {@code INDArray[] layers = {flat.get(…), …}});</li>
 *   <li>two parameters that share memory without being one object: a {@code double[]} that is
 *       a row of a {@code double[][]} parameter, a tensor that is a view of another (each would
 *       get only its own reads' gradient, and an optimiser would step the numbers twice); one
 *       object in several fields is one tied parameter and fine;</li>
 *   <li>a {@code double[][]} parameter holding one row object at two indices ({@code {r, r}}):
 *       its shadow and an optimiser's state are per row, so each index would get only its own
 *       reads' share;</li>
 *   <li>a value the loss lambda captured that is a parameter in either sense
 *       ({@code double[] w = net.layer.w; m -> m.f(w)}).</li>
 * </ul>
 * Data that holds parameters the other way round — a flat buffer kept as a plain field with
 * {@code @Parameter} views into it — is the remedy and passes. The index of parameter arrays and
 * tensors is built only when there is something to check against it: O(fields + rows of matrix
 * parameters), tensors grouped by allocation so each is compared only with those in its own.
 */
final class ParameterViews {
    private final List<ModelParameters.Ref> parameters;
    /** Parameter arrays, and rows of matrix parameters, by identity: where each is a parameter. */
    private Map<Object, Place> arrays;
    /** Parameter tensors, and elements of tensor-array parameters, by allocation. */
    private Map<Long, List<Place>> tensors;

    /** Where an array or tensor is a parameter: the parameter itself ({@code index} −1) or its element or row. */
    private record Place(ModelParameters.Ref ref, int index, Object value) {
        String describe() {
            if (index < 0) return "the @Parameter " + ref.path();
            return (Shadows.isTensorArray(ref.field().getType()) ? "element " : "row ") + index + " of the @Parameter " + ref.path();
        }
    }

    ParameterViews(List<ModelParameters.Ref> parameters) {
        this.parameters = parameters;
    }

    void refuseData(List<ModelParameters.Data> dataArrays, List<ModelParameters.Data> dataTensors) {
        if (!dataArrays.isEmpty() && !arrays().isEmpty()) {
            for (ModelParameters.Data d : dataArrays) {
                Place p = arrays.get(d.value());
                if (p != null) throw refusal(d, "it holds the same array as " + p.describe(), p);
                if (d.value() instanceof Object[] rows) {
                    for (int i = 0; i < rows.length; i++) {
                        Place q = rows[i] == null ? null : arrays.get(rows[i]);
                        if (q != null) throw refusal(d, "its row " + i + " is the same array as " + q.describe(), q);
                    }
                }
            }
        }
        if (!dataTensors.isEmpty() && !tensors().isEmpty()) {
            for (ModelParameters.Data d : dataTensors) {
                Place p = within(d.value());
                if (p != null) {
                    throw refusal(d, "its INDArray is a view of (or the same array as) " + p.describe(), p);
                }
            }
        }
    }

    /** Refuses two parameters that share memory but are not one object. */
    void refuseOverlaps() {
        int arrayParameters = 0;
        boolean matrices = false;
        for (ModelParameters.Ref p : parameters) {
            Class<?> t = p.field().getType();
            if (t.isArray() && !Shadows.isTensorArray(t)) arrayParameters++;
            matrices |= t == double[][].class;
        }
        if (matrices) arrays(); // builds the index, which meets every overlap and every row repeated in a matrix
        for (List<Place> group : tensors().values()) {
            for (int i = 1; i < group.size(); i++) {
                for (int j = 0; j < i; j++) {
                    Place a = group.get(j), b = group.get(i);
                    if (a.value() != b.value() && TensorParameters.overlaps(a.value(), b.value())) throw overlap(a, b, "tensors");
                }
            }
        }
    }

    /** Refuses {@code v}, a value the loss lambda captured, when it is a parameter or its elements are. */
    void refuseCaptured(Object v, String what) {
        if (v == null) return;
        Place p = placeOf(v);
        if (p != null) throw captured(what, v, p, "");
        if (v instanceof Object[] items) {
            for (int i = 0; i < items.length; i++) {
                Place q = items[i] == null ? null : placeOf(items[i]);
                if (q != null) throw captured(what, v, q, "its element " + i + " is ");
            }
        } else if (v instanceof Collection<?> items && !items.isEmpty()) {
            int i = 0;
            for (Object item : items) {
                Place q = item == null ? null : placeOf(item);
                if (q != null) throw captured(what, v, q, "its element " + i + " is ");
                i++;
            }
        }
    }

    /** Where {@code v} is a parameter: an array or row by identity, a tensor inside a parameter's memory; else null. */
    private Place placeOf(Object v) {
        Class<?> c = v.getClass();
        if (c.isArray() && Shadows.isDifferentiableArray(c)) return arrays().get(v);
        if (isTensor(c)) return tensors().isEmpty() ? null : within(v);
        return null;
    }

    private Place within(Object tensor) {
        List<Place> candidates = tensors.get(TensorParameters.allocation(tensor));
        if (candidates == null) return null;
        for (Place p : candidates) if (TensorParameters.liesWithin(tensor, p.value())) return p;
        return null;
    }

    private static boolean isTensor(Class<?> c) {
        return ModelParameters.isTensorClass(c);
    }

    private Map<Object, Place> arrays() {
        if (arrays != null) return arrays;
        int size = 0; // presized: a matrix parameter's rows are most of it
        for (ModelParameters.Ref r : parameters) {
            size++;
            if (r.field().getType() == double[][].class && r.value() instanceof double[][] rows) size += rows.length;
        }
        arrays = new IdentityHashMap<>(size);
        for (ModelParameters.Ref r : parameters) {
            Class<?> t = r.field().getType();
            if (!t.isArray() || Shadows.isTensorArray(t)) continue;
            Object value = r.value();
            if (value == null) continue;
            Place whole = new Place(r, -1, value);
            Place known = arrays.putIfAbsent(value, whole);
            if (known != null && known.index() >= 0) throw overlap(known, whole, "arrays");
            if (known == null && value instanceof double[][] rows) { // a tied matrix has its rows indexed already
                for (int i = 0; i < rows.length; i++) {
                    if (rows[i] == null) continue;
                    Place row = new Place(r, i, rows[i]);
                    Place other = arrays.putIfAbsent(rows[i], row);
                    if (other != null && other.ref() != r) throw overlap(other, row, "arrays");
                    if (other != null) throw repeatedRow(r, other.index(), i);
                }
            }
        }
        return arrays;
    }

    private Map<Long, List<Place>> tensors() {
        if (tensors != null) return tensors;
        tensors = new HashMap<>();
        for (ModelParameters.Ref r : parameters) {
            Class<?> t = r.field().getType();
            if (Shadows.isTensor(t)) {
                add(new Place(r, -1, r.value()));
            } else if (Shadows.isTensorArray(t) && r.value() instanceof Object[] elements) {
                for (int i = 0; i < elements.length; i++) add(new Place(r, i, elements[i]));
            }
        }
        return tensors;
    }

    private void add(Place p) {
        if (p.value() == null) return;
        long allocation = TensorParameters.allocation(p.value());
        if (allocation == 0) return;
        List<Place> group = tensors.computeIfAbsent(allocation, k -> new ArrayList<>(2));
        for (Place q : group) if (q.value() == p.value()) return; // one object in several places: one tied parameter
        group.add(p);
    }

    private static GradientException refusal(ModelParameters.Data data, String relation, Place p) {
        Field f = data.field();
        String where = f == null ? "the element at " + data.path() + " of the model"
                : "the field " + f.getDeclaringClass().getName() + "." + f.getName() + " (at " + data.path() + ")";
        String name = f == null ? data.path() : f.getName();
        String parameter = p.ref().path();
        String remedy = isTensor(p.value().getClass())
                ? "Mark " + name + " @Parameter instead (and keep " + parameter + " as a plain field, if you need it), or "
                        + "read " + p.ref().field().getName() + " itself inside the loss (computing the view from it there)."
                : "Read " + p.ref().field().getName() + (p.index() < 0 ? "" : "[" + p.index() + "]") + " itself inside "
                        + "the loss" + (p.index() < 0 && data.value() == p.value() ? ", or mark " + name + " @Parameter too "
                        + "(fields holding one array object are one tied parameter)" : "") + ".";
        return new GradientException("grad4j: " + where + " is not a @Parameter, but " + relation + ": the loss reading it "
                + "would get no gradient, and " + parameter + " would get zeros for its part. " + remedy);
    }

    private static GradientException overlap(Place a, Place b, String kind) {
        return new GradientException("grad4j: " + b.describe() + " and " + a.describe() + " share memory (one is a view, "
                + "a row or an element of the other, or both view one array) without being one object: each would get "
                + "only the gradient of its own reads, and an optimiser would step the shared numbers twice. Keep only one "
                + "of them @Parameter: for a flat buffer with views, mark the views @Parameter and keep the buffer a plain "
                + "field; or keep the whole one @Parameter and compute the parts from it inside the loss. (Parameter "
                + kind + " that are one object, such as dec = enc, are tied and fine.)");
    }

    private static GradientException repeatedRow(ModelParameters.Ref r, int i, int j) {
        Field f = r.field();
        return new GradientException("grad4j: rows " + i + " and " + j + " of the @Parameter " + r.path() + " ("
                + f.getDeclaringClass().getName() + "." + f.getName() + ") are the same double[] object: its gradient "
                + "and an optimiser's steps are per row, so each place would get only its own reads' share. Give each "
                + "row its own array (" + f.getName() + "[" + j + "] = " + f.getName() + "[" + i + "].clone()), or keep "
                + "the shared row in a @Parameter double[] field of its own and read it from there.");
    }

    private static GradientException captured(String what, Object v, Place p, String element) {
        String type = v.getClass().getSimpleName();
        String relation = element.isEmpty()
                ? (p.value() == v ? "is " : "lies inside the memory of ") + p.describe()
                : element + (isTensor(p.value().getClass()) ? "inside the memory of " : "") + p.describe();
        return new GradientException("grad4j: the loss captures a " + type + " (" + what + ") that " + relation
                + ". Model.gradient differentiates reads of parameters through the model argument only, so reads of the "
                + "captured reference would get no gradient and " + p.ref().path() + " zeros for their part. Read it "
                + "through the model argument inside the lambda (m -> … m." + p.ref().path() + " …) instead of capturing it.");
    }
}
