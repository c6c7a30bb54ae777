package org.grad4j;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.runtime.Call;
import org.grad4j.runtime.DepthExceededException;
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
 * Parameters are found in the model and in the objects it holds (fields, arrays, collections and
 * map values of sub-modules). Every read of a parameter field in the loss — in any method it
 * calls — is differentiated; what else the lambda captures is data, except objects that hold
 * parameters (they count like the model). A parameter's numbers reachable otherwise — a data
 * field, a captured array or tensor, a second parameter over the same memory — are refused
 * ({@code ParameterViews}), not left a silent zero.
 */
public final class Model {
    private Model() {}

    public static <M> ParameterGradients gradient(M model, ModelFunction<M> loss) {
        try {
            ModelParameters.Found found = ModelParameters.find(model);
            List<ModelParameters.Ref> parameters = found.parameters();
            if (parameters.isEmpty()) { // a gradient of nothing: an optimizer stepping it would silently do nothing
                throw new org.grad4j.GradientException("grad4j: the model " + model.getClass().getName() + " has no @Parameter "
                        + "fields, nor do the objects it holds, so there is nothing to take the gradient with respect to. Mark the "
                        + "fields that hold the trainable values (double, float, double[], float[], double[][], INDArray, "
                        + "INDArray[]) with @org.grad4j.Parameter.");
            }
            Functions.Resolved r = Functions.resolveModel(loss, model);
            Call call = withCapturedHolders(r, found);
            // the model is the receiver (Net::loss) or the last argument: either way it holds the parameters
            boolean receiverHolds = r.input() < 0 || found.isHolder(call.receiver()) || found.reachesModel(call.receiver());
            String mask = (receiverHolds ? "@" : "") + call.activityMask();
            boolean tensors = parameters.stream().map(p -> p.field().getType())
                    .anyMatch(t -> org.grad4j.runtime.Shadows.isTensor(t) || org.grad4j.runtime.Shadows.isTensorArray(t));
            Outcome o = EntryCall.onWorker(call, TopContinuation.scalar(1.0), mask, tensors, List.copyOf(found.parameterValues()));
            ParameterAdjoints adjoints = o.parameters();
            TiedParameters tied = new TiedParameters(parameters, adjoints, tensors);
            List<Object> gradients = new ArrayList<>(parameters.size());
            for (ModelParameters.Ref p : parameters) gradients.add(tied.gradientOf(p));
            return new ParameterGradients(o.value(), parameters, gradients);
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /**
     * The call with the lambda's captured objects that hold parameters (the model itself, one of
     * its sub-modules: {@code m -> net.layer.loss()}, or an object whose fields reach them: a
     * {@code Trainer} captured as {@code this}) differentiated like the model argument, so
     * that their parameter reads count; a captured array or tensor that is a parameter is refused,
     * since its reads would be data.
     */
    private static Call withCapturedHolders(Functions.Resolved r, ModelParameters.Found found) {
        Call call = r.call();
        if (r.input() < 0) return call; // Net::loss: nothing captured
        String lambda = call.method().getDeclaringClass().getName() + "." + call.method().getName();
        if (call.receiver() != null && !found.isHolder(call.receiver()) && !found.reachesModel(call.receiver())) {
            found.refuseCaptured(call.receiver(), "the receiver of " + lambda);
        }
        Object[] args = call.args();
        boolean[] differentiated = null;
        for (int i = 0; i < args.length; i++) {
            if (i == r.input() || call.differentiated()[i]) continue;
            if (found.isHolder(args[i]) || found.reachesModel(args[i])) { // the model, a module, or a Trainer holding it
                if (differentiated == null) differentiated = call.differentiated().clone();
                differentiated[i] = true;
            } else {
                found.refuseCaptured(args[i], "captured value " + i + " of " + lambda);
            }
        }
        return differentiated == null ? call : new Call(call.method(), call.receiver(), args, differentiated);
    }
}
