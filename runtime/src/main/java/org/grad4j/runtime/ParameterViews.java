package org.grad4j.runtime;

import java.util.List;
import org.grad4j.GradientException;

/**
 * Refuses a model whose tensor field that is not {@code @Parameter} lies inside the memory of one
 * that is: {@code W = params.get(…)}, a convenience view of a flat parameter vector, or an alias
 * {@code W = params}. The loss reading {@code W} reads the parameter's numbers, but grad4j sees a
 * data field, so the parameter's gradient would come back zero with no sign of why.
 *
 * <p>Only fields that lie wholly inside a parameter are refused: the other way round (a flat
 * buffer kept as data, {@code @Parameter} views into it) is the remedy. Runs only for models that
 * hold tensor fields that are not parameters; a few reads of each array's offset and strides.
 */
final class ParameterViews {
    private ParameterViews() {}

    static void refuseViews(List<ModelParameters.Ref> parameters, List<ModelParameters.Ref> dataTensors) {
        for (ModelParameters.Ref data : dataTensors) {
            Object view = data.value();
            if (view == null) continue;
            for (ModelParameters.Ref p : parameters) {
                if (!Shadows.isTensor(p.field().getType()) || p.value() == null) continue;
                if (org.grad4j.tensor.TensorParameters.liesWithin(view, p.value())) throw refusal(data, p);
            }
        }
    }

    private static GradientException refusal(ModelParameters.Ref data, ModelParameters.Ref parameter) {
        String field = data.field().getDeclaringClass().getName() + "." + data.field().getName();
        return new GradientException("grad4j: the field " + field + " (at " + data.path() + ") is not a @Parameter, but its "
                + "INDArray is a view of (or the same array as) the @Parameter " + parameter.path() + ": the loss reading it "
                + "would get no gradient, and " + parameter.path() + " would get zeros for its part. Mark "
                + data.field().getName() + " @Parameter instead (and keep the flat array as a plain field, if you need it), "
                + "or compute the view from " + parameter.field().getName() + " inside the loss.");
    }
}
