package org.grad4j;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.runtime.EntryCall;
import org.grad4j.runtime.Functions;
import org.grad4j.runtime.ModelParameters;
import org.grad4j.runtime.Outcome;
import org.grad4j.runtime.ParameterAdjoints;
import org.grad4j.runtime.TiedParameters;
import org.grad4j.runtime.TopContinuation;

/**
 * Gradients with respect to a model object's {@code @Parameter} fields — the way PyTorch users
 * think in {@code module.parameters()}.
 *
 * <pre>{@code
 * final class Net {
 *     @Parameter INDArray w1 = Nd4j.randn(DataType.FLOAT, 784, 256).muli(0.05);
 *     @Parameter INDArray b1 = Nd4j.zeros(DataType.FLOAT, 1, 256);
 *     double loss(INDArray x, INDArray y) { ... reads w1, b1 ... }
 * }
 * Optimizer adam = Optimizer.adam(1e-3);
 * ParameterGradients g = Model.gradient(net, m -> m.loss(x, y));
 * adam.step(g);   // updates net's fields in place
 * }</pre>
 *
 * Parameters are found in the model and in the objects it holds (fields, arrays and lists of
 * sub-modules). Every read of a parameter field in the loss — in any method it calls — is
 * differentiated; what else the lambda captures is data.
 */
public final class Model {
    private Model() {}

    public static <M> ParameterGradients gradient(M model, ModelFunction<M> loss) {
        List<ModelParameters.Ref> parameters = ModelParameters.of(model);
        Functions.Resolved r = Functions.resolveModel(loss, model);
        // the model is the receiver (Net::loss) or the last argument: either way it holds the parameters
        String mask = (r.input() < 0 ? "@" : "") + r.call().activityMask();
        boolean tensors = parameters.stream().map(p -> p.field().getType())
                .anyMatch(t -> org.grad4j.runtime.Shadows.isTensor(t) || org.grad4j.runtime.Shadows.isTensorArray(t));
        Outcome o = EntryCall.onWorker(r.call(), TopContinuation.scalar(1.0), mask, tensors);
        ParameterAdjoints adjoints = o.parameters();
        TiedParameters tied = new TiedParameters(parameters, adjoints, tensors);
        List<Object> gradients = new ArrayList<>(parameters.size());
        for (ModelParameters.Ref p : parameters) gradients.add(tied.gradientOf(p));
        return new ParameterGradients(o.value(), parameters, gradients);
    }
}
