package org.grad4j.transformer.testing;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.split.Split;
import org.grad4j.transformer.split.Splitter;
import org.grad4j.transformer.split.TapedLoops;

/** The loop plans of a test method, as the split makes them (before inlining), for tests of what loops become. */
public final class Plans {
    private Plans() {}

    /** The reductions of {@code host.method} with every parameter differentiated, in the outermost variant or the called one. */
    public static List<TapedLoops.Reduction> reductions(Class<?> host, String method, boolean outermost) {
        List<TapedLoops.Reduction> found = new ArrayList<>();
        for (TapedLoops.Tape t : tapes(host, method, outermost)) found.addAll(t.reductions().values());
        return found;
    }

    /** The taped nests of {@code host.method} with every parameter differentiated, in the outermost variant or the called one. */
    public static List<TapedLoops.Tape> tapes(Class<?> host, String method, boolean outermost) {
        Analysed a = Analysed.of(host, method);
        ReadOnlyArrays readOnly = ReadOnlyArrays.of(a.ir(), a.cfg(), a.activity(), outermost);
        Split split = Splitter.split(a.ir(), a.cfg(), a.activity(), Splitter.MAX_TAPED_STATEMENTS, readOnly);
        TapedLoops plan = TapedLoops.plan(a.ir(), a.cfg(), split, a.activity(), readOnly);
        List<TapedLoops.Tape> found = new ArrayList<>();
        for (int h = split.taped().nextSetBit(0); h >= 0; h = split.taped().nextSetBit(h + 1)) found.add(plan.of(h));
        return found;
    }
}
