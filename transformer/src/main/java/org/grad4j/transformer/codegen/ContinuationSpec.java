package org.grad4j.transformer.codegen;

import org.objectweb.asm.Type;

/**
 * The continuation object of one differentiated call site: it captures the values live after
 * the call (every parameter of {@code target} except the call's result) and the outer
 * continuation; its {@code resume} runs {@code target} and keeps the adjoints of the captured
 * scalars in fields, since registers cannot carry them back through the callee's frames.
 *
 * @param resultIndex index of the call's result among {@code target}'s parameters, or -1 for void
 * @param resultOnlyFormsCallers the call's result (a number) reaches nothing but the caller's own
 *     result, through arithmetic whose adjoints do not read it ({@code analysis.ResultOnly}): the
 *     continuation does not read it when the caller's continuation does not read the caller's
 *     ({@code runtime.ValueUnread}), and says so to the callee
 */
record ContinuationSpec(String className, Type calleeResult, FunctionShape target, int resultIndex,
                        String outerContinuation, boolean resultOnlyFormsCallers) {

    String interfaceName() {
        return Jvm.continuationFor(calleeResult);
    }

    /** Constructor descriptor: each captured parameter (with its shadow), then the outer continuation. */
    String constructorDescriptor() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < target.types().length; i++) {
            if (i == resultIndex) continue;
            Type t = target.types()[i];
            sb.append(t.getDescriptor());
            if (org.grad4j.transformer.ir.Types.isShadowed(t)) sb.append(t.getDescriptor());
        }
        return sb.append('L').append(outerContinuation).append(";)V").toString();
    }
}
