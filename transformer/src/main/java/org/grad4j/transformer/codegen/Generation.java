package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.split.Region;
import org.grad4j.transformer.split.Split;
import org.objectweb.asm.Type;

/** Everything the emitters of one method variant share. */
final class Generation {
    final MethodIr ir;
    final Activity activity;
    final Liveness liveness;
    final Split split;
    final Refusal refusal;
    final String className;
    final String mask;
    final String continuation;
    final HostAccess hostAccess;
    final List<ContinuationSpec> continuations = new ArrayList<>();
    private final Map<Integer, FunctionShape> shapes = new HashMap<>();
    final FunctionShape entryShape;

    Generation(MethodIr ir, Activity activity, Liveness liveness, Split split, Refusal refusal, String className, String mask) {
        this.ir = ir;
        this.activity = activity;
        this.liveness = liveness;
        this.split = split;
        this.refusal = refusal;
        this.className = className;
        this.mask = mask;
        this.continuation = Jvm.continuationFor(Type.getReturnType(ir.descriptor()));
        this.hostAccess = new HostAccess(ir.owner());
        this.entryShape = FunctionShape.entry(ir.owner(), ir.descriptor(), ir.isStatic(), ir.parameterSlots(), continuation);
        for (Region r : split.regions()) {
            if (r == split.regions().get(0)) continue;
            shapes.put(r.head(), regionShape(r.head()));
        }
    }

    private FunctionShape regionShape(int head) {
        var live = liveness.liveIn(head);
        int[] slots = live.stream().toArray();
        Type[] types = new Type[slots.length];
        for (int i = 0; i < slots.length; i++) types[i] = ir.block(head).entryType(slots[i]);
        return new FunctionShape("b" + head, slots, types, continuation);
    }

    /** The shape of the function headed by a block that is not the method's entry region. */
    FunctionShape shapeOf(int head) {
        FunctionShape s = shapes.get(head);
        if (s == null) throw new IllegalStateException("block " + head + " heads no function");
        return s;
    }

    String continuationClass(int callBlock) {
        return className + "$K" + callBlock;
    }
}
