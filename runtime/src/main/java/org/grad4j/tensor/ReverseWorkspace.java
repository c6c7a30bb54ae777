package org.grad4j.tensor;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An ND4J workspace for the reverse pass of a tensor gradient. Once the top continuation has run,
 * only adjoint rules run until the entry returns, and every array they make is an intermediate
 * adjoint except the final gradients. Allocated in a workspace the worker reuses from one
 * gradient to the next, they stop costing fresh off-heap pages (docs/BENCHMARKS.md, the MLP step:
 * the kernel zeroing new pages was most of grad4j's extra time over a hand-written backward pass).
 * The final gradients are detached (copied out) before the workspace closes; nothing else of the
 * reverse pass outlives it.
 *
 * <p>Typed {@code Object} at its boundary: the runtime calls it only for gradients with tensor
 * inputs, so that ND4J stays optional.
 */
public final class ReverseWorkspace {
    private static final String ID = "grad4j-reverse";
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP) // sized by the first gradient, then one block reused
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE) // a larger gradient later: spilled arrays, then a larger block
            .build();

    private ReverseWorkspace() {}

    /** Opens the workspace on this thread; null when a workspace is already open here (it is left alone). */
    public static Object open() {
        if (Nd4j.getMemoryManager().getCurrentWorkspace() != null) return null;
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, ID);
    }

    /** Closes a workspace {@link #open} returned; arrays still attached to it must not be used afterwards. */
    public static void close(Object workspace) {
        MemoryWorkspace w = (MemoryWorkspace) workspace;
        lastAllocatedBytes = w.getThisCycleAllocations();
        w.close();
    }

    private static volatile long lastAllocatedBytes;

    /**
     * The bytes the reverse pass of the last tensor gradient that closed this workspace (on any
     * thread) allocated in it — every intermediate adjoint. A diagnostic: tests use it to check
     * that a reverse pass allocates in proportion to its tensors, not to the number of reads.
     */
    public static long lastAllocatedBytes() {
        return lastAllocatedBytes;
    }

    /** What survives the workspace: a tensor detached, an array of them detached element by element, anything else as is. */
    public static final UnaryOperator<Object> DETACH = ReverseWorkspace::detach;

    /** A copy of {@code a} outside any workspace, not zeroed first ({@code INDArray.detach} zeroes, then copies). */
    private static INDArray copyOut(INDArray a) {
        INDArray out = Nd4j.createUninitializedDetached(a.dataType(), a.shape());
        return out.assign(a);
    }

    private static Object detach(Object o) {
        if (o instanceof INDArray a) return a.isAttached() ? copyOut(a) : a;
        if (o instanceof Object[] array) {
            for (int i = 0; i < array.length; i++) array[i] = detach(array[i]);
        }
        return o;
    }
}
