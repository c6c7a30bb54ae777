package org.grad4j.tensor;

import java.util.IdentityHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The adjoints of reads of part of a tensor ({@code getDouble}, {@code getRow}, {@code get}, …)
 * during one gradient: one buffer per array read, found by identity, into which every read's
 * {@link org.grad4j.rules.Adjoint#into} rule adds its part in place.
 *
 * <p>Why not the ordinary adjoint of the array: a read's adjoint is the size of what it read, but
 * as a contribution to the array's adjoint it had to be the array's size — zeros with one element
 * or row set, summed out of place ({@link TensorAdjoints#add}: adjoints may be shared) and kept in
 * the reverse workspace until the gradient ended. A loop reading every element of an n-element
 * tensor cost O(n²) time and memory. Adding in place into an adjoint the generated code holds is
 * unsafe (that array may be a rule's {@code dResult}, handed to another argument's adjoint too), so
 * reads go to a buffer nobody else sees, which becomes an ordinary contribution only once no read
 * can follow: {@link #flush}, called where the array was made — at the reverse of the rule that
 * returned it, of a {@code @Parameter} field read or an {@code INDArray[]} element load, and by
 * {@code EntryCall} for the inputs. Reads come after the array is made, so in the reverse pass they
 * all come before that point. The same array made twice (a rule that returns its argument,
 * {@code castTo} of its own dtype) is the same value both times: which of the two takes its reads
 * does not change the sum.
 *
 * <p>Typed {@code Object} at its boundary, called through {@code Ctx}, so that the runtime needs
 * no ND4J types.
 */
public final class ReadAdjoints {
    private final Map<INDArray, INDArray> buffers = new IdentityHashMap<>();
    /** The array last read and its buffer: a loop reads the same array again and again. */
    private INDArray lastArray, lastBuffer;

    /** The buffer of {@code x}'s reads, zeros like {@code x} on its first read. */
    public Object bufferOf(Object x) {
        INDArray a = (INDArray) x;
        if (a == lastArray) return lastBuffer;
        INDArray b = buffers.computeIfAbsent(a, Tensors::zeros);
        lastArray = a;
        lastBuffer = b;
        return b;
    }

    /**
     * {@code adjoint} plus the reads of {@code x} gathered so far, which are taken out: no read of
     * {@code x} can follow (see above). The buffer, no longer anyone else's, takes the sum in place.
     */
    public Object flush(Object x, Object adjoint) {
        if (buffers.isEmpty()) return adjoint;
        INDArray b = buffers.remove(x);
        if (b == null) return adjoint;
        if (x == lastArray) lastArray = lastBuffer = null;
        return adjoint == null ? b : TensorAdjoints.addInPlace(b, adjoint);
    }

    /** Whether reads were gathered that no {@link #flush} took: their adjoint would be lost. */
    public boolean hasPending() {
        return !buffers.isEmpty();
    }
}
