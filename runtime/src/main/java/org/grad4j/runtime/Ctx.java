package org.grad4j.runtime;

import org.grad4j.GradientException;

/**
 * The context of one gradient computation, passed to every generated function.
 *
 * <p>{@link #d} and {@link #o} are the adjoint return registers (DESIGN §5): a generated
 * function writes the adjoint of its i-th {@code double}/{@code float} parameter to
 * {@code d[i]} (its i-th tensor parameter to {@code o[i]}) just before it returns, and its
 * caller reads them right after the call, before any other call. No entry has more than 255
 * parameter slots, so 256 registers suffice.
 *
 * <p>{@link #enter}/{@link #exit} keep a byte estimate of the stack the generated frames use,
 * so that a loop too long for the worker's stack ends in a clear error, not a bare
 * {@code StackOverflowError}, and so that a gradient started on the caller's thread moves to a
 * worker once it gets deep ({@link #enterOrMove}, {@link StackExtension}).
 */
public final class Ctx {
    public final double[] d;
    public final Object[] o;
    private final Registers registers;

    private ParameterAdjoints parameters;
    private final long stackBudget;
    private long stackUsed;
    /** Above this estimate a function that may repeat moves the rest of the gradient to a worker; none on a worker. */
    private long moveAt = Long.MAX_VALUE;
    private boolean boundedDepth;
    private boolean reverseWorkspaceWanted;
    private Object reverseWorkspace;
    private ValueTape tape;
    private Object reads;
    private Shadows inputs;
    private Object onlyInput; // the one input array, when there is exactly one (the common case: a compare, no hashing)

    public Ctx(long stackBudgetBytes) {
        this.registers = Registers.borrow();
        this.d = registers.d;
        this.o = registers.o;
        this.stackBudget = stackBudgetBytes;
        this.checkAt = Math.min(stackBudgetBytes, CANCEL_CHECK_BYTES);
    }

    /** The adjoints of {@code @Parameter} fields, created on first use. */
    public ParameterAdjoints parameters() {
        ParameterAdjoints p = parameters;
        if (p == null) parameters = p = new ParameterAdjoints();
        return p;
    }

    /** The adjoints of {@code @Parameter} fields, or null when no parameter field was read. */
    public ParameterAdjoints parametersIfUsed() {
        return parameters;
    }

    /** Called at the start of every generated function with its static frame-size estimate. */
    public void enter(int frameBytes) {
        long used = stackUsed + frameBytes;
        stackUsed = used;
        if (used > checkAt) crossed(used);
    }

    /**
     * As {@link #enter}, at the start of a function that can be entered again and again while the
     * frames below it wait (a method's entry: recursion; a loop's header: an iteration per frame):
     * true, without entering, when the gradient runs on the caller's thread and has got deep — the
     * function then has {@link StackExtension} run it on a worker, whose large stack takes the rest.
     */
    public boolean enterOrMove(int frameBytes) {
        long used = stackUsed + frameBytes;
        if (used > moveAt) return true;
        stackUsed = used;
        if (used > checkAt) crossed(used);
        return false;
    }

    /**
     * As {@link #enter}, at the start of a taped recursion's forward function (see {@code
     * codegen.TapedRecursionEntry}): it returns its value and keeps its frames only while it runs,
     * so it cannot move a part of itself to a worker. When the gradient runs on the caller's thread
     * and has got deep, it throws {@link MoveRequest#INSTANCE} instead, and the recursion's entry
     * runs the whole forward pass again on a worker (the forward functions write no memory).
     */
    public void enterForward(int frameBytes) {
        if (enterOrMove(frameBytes)) throw MoveRequest.INSTANCE;
    }

    /** The estimate of the stack in use, for {@link #forwardGivenUp}. */
    public long stackInUse() {
        return stackUsed;
    }

    /**
     * A taped recursion's forward pass threw {@link MoveRequest}: its frames are gone, and the
     * values it pushed are dropped, so that it can start again on a worker.
     */
    public void forwardGivenUp(long stackInUse, int dTop, int iTop, int oTop) {
        stackUsed = stackInUse;
        tape().popTo(dTop, iTop, oTop);
    }

    /** This gradient runs on the caller's thread: past {@code callerBytes} of frames it moves to a worker. */
    void startOnCaller(long callerBytes) {
        moveAt = callerBytes;
    }

    /**
     * Runs the rest of the gradient ({@code rest}: the function that asked to move, with its
     * arguments) on a worker and waits for it; the frames on the caller's thread then finish
     * their reverse passes here. One thread runs the gradient at a time, and the hand-off orders
     * their memory, so the context, its tape and the adjoint registers pass over as they are.
     */
    void moveToWorker(Workers.Job<?> rest) {
        long at = moveAt;
        moveAt = Long.MAX_VALUE;
        try {
            Workers.shared().call(() -> { // a moving gradient has no tensors (EntryCall.startsOnCaller)
                Ctx outer = Workers.enter(this);
                try {
                    return rest.run();
                } finally {
                    Workers.leave(outer);
                }
            }, true);
        } finally {
            moveAt = at;
        }
    }

    /**
     * Above this estimate of the stack in use, {@link #enter} looks again: past the budget, or for
     * a cancellation every {@link #CANCEL_CHECK_BYTES} more. One comparison per call, as the budget
     * alone cost: counting every call for the cancellation check made the tree model's gradient
     * (8,191 recursive calls, ~32,000 generated functions entered) 15 % slower.
     */
    private long checkAt;
    private static final long CANCEL_CHECK_BYTES = 256 * 1024;

    private void crossed(long used) {
        if (used > stackBudget) throw DepthExceededException.at(used, stackBudget);
        stopIfAbandoned();
        checkAt = Math.min(stackBudget, used + CANCEL_CHECK_BYTES);
    }

    /**
     * A caller interrupted while it waits gives up on its gradient and cancels it, which interrupts
     * the worker: stop then, rather than keep a worker (of a few) busy for nothing while later
     * gradients queue behind it. Only on a worker — a caller's own thread keeps its interrupt.
     */
    private static void stopIfAbandoned() {
        if (Workers.onWorker() && Thread.interrupted()) {
            throw new GradientException("grad4j: the gradient was cancelled (its caller was interrupted)");
        }
    }

    /** Called before every normal return of a generated function. */
    public void exit(int frameBytes) {
        stackUsed -= frameBytes;
    }

    /** The value stack of taped loops (see {@link ValueTape}), this thread's spare one from the first use on. */
    public ValueTape tape() {
        ValueTape t = tape;
        if (t == null) tape = t = ValueTape.borrow();
        return t;
    }

    /**
     * The buffer that reads of part of tensor {@code x} add their adjoints into (an
     * {@code Adjoint.into} rule's last argument), zeros like {@code x} on the first read; see
     * {@code org.grad4j.tensor.ReadAdjoints}.
     */
    public Object readAdjointOf(Object x) {
        Object r = reads;
        if (r == null) reads = r = new org.grad4j.tensor.ReadAdjoints();
        return ((org.grad4j.tensor.ReadAdjoints) r).bufferOf(x);
    }

    /**
     * {@code adjoint} of tensor {@code x} plus what reads of part of {@code x} gathered, called where
     * {@code x} was made, once no read of it can follow. {@code adjoint} itself while nothing was read.
     */
    public Object withReads(Object x, Object adjoint) {
        Object r = reads;
        return r == null ? adjoint : ((org.grad4j.tensor.ReadAdjoints) r).flush(x, adjoint);
    }

    /** Whether reads of part of a tensor gathered adjoints that {@link #withReads} never took. */
    boolean hasPendingReads() {
        return reads != null && ((org.grad4j.tensor.ReadAdjoints) reads).hasPending();
    }

    /**
     * Besides the arrays of {@link #inputs}, what {@link #checkData} refuses to see as data: the
     * tensors the gradient is taken at, and a model gradient's parameter values (arrays and tensors).
     */
    private java.util.List<Object> tensorPoints = java.util.List.of();
    private java.util.List<Object> parameterValues = java.util.List.of();

    void points(java.util.List<Object> tensors, java.util.List<Object> parameters) {
        tensorPoints = tensors;
        parameterValues = parameters;
    }

    /** The arrays the gradient is taken at (and their rows): those {@link #checkData} refuses to see as data. */
    void inputs(Shadows differentiated) {
        inputs = differentiated.isEmpty() ? null : differentiated;
        onlyInput = differentiated.onlyArray();
        works = null;
    }

    /** The work arrays of this gradient (see {@link #workShadow}), with their rows; null while there are none. */
    private Shadows works;

    /**
     * Called by generated code on entry: the zero shadow of a work array the entry was passed as
     * data (a buffer the function captured that receives differentiable values; the transformer's
     * {@code ActivityMask.WORK}), the same one for the same array. Remembered for this gradient, so
     * that {@link #checkData} refuses the array reached as data under another name.
     */
    public Object workShadow(Object array) {
        if (works == null) works = new Shadows();
        return works.zerosLike(array);
    }

    /**
     * Called by generated code on the entry of a gradient with work arrays, after their shadows,
     * for each object it takes as data (a captured lambda, a view of the buffer, a list): when that
     * object's fields reach a work array, code run on it as it is would read the buffer without its
     * shadow, and what was stored there would silently lose its derivative. The entry is then asked
     * for again with that object a holder ({@link EntryCall}), so that calls receiving it are
     * differentiated and their reads of the buffer meet {@link #checkData}.
     *
     * @param parameter the object's parameter index, -1 for the receiver
     */
    public void checkWorkHolder(Object data, int parameter) {
        if (works != null && PointHolders.isPlainObject(data) && PointHolders.reaches(data, works.arrays())) {
            throw new WorkArrayHolder(parameter);
        }
    }

    /**
     * Called by generated code where differentiated code takes an array of doubles or floats, or a
     * tensor, as data: read from a field, returned by a call grad4j runs as it is, an element of a
     * data array.
     * Such an array is a constant to grad4j; when it is one of the arrays the gradient is taken at,
     * the uses of it through that route would silently get no derivative (a regularizer that reads
     * {@code this.w} while the gradient is taken at {@code w}), so it is refused.
     *
     * @param where the read, as {@code Foo.bar (Foo.java:12): a read of field Foo.w}
     */
    public void checkData(Object array, String where) {
        if (works != null && array != null && works.isShadowed(array)) {
            throw new org.grad4j.GradientException("grad4j cannot differentiate " + where + ", which gives an array "
                    + "that receives differentiable values in this gradient (a buffer passed in, which grad4j gives a "
                    + "shadow of its own) under another name. grad4j takes arrays reached this way as constants, so "
                    + "what was stored into it would silently lose its derivative there. Read the buffer through the "
                    + "name it was passed as, or use a different array.");
        }
        if (array != null) {
            refuseAsData(tensorPoints, array, where, "tensor the gradient is taken at");
            refuseAsData(parameterValues, array, where, "value of a @Parameter field of the model");
        }
        Shadows in = inputs;
        if (in == null || array == null) return;
        Object only = onlyInput;
        if (only != null ? array == only : in.isShadowed(array)) {
            throw new org.grad4j.GradientException("grad4j cannot differentiate " + where + ", which gives the "
                    + "array the gradient is taken at (or a row of it) under another name. grad4j takes arrays "
                    + "reached this way as constants, so the uses of it there would silently get no derivative. "
                    + "Pass the array down from the function's argument as a parameter and read it there, or keep "
                    + "a copy (x.clone()) there if it is meant to stay constant.");
        }
    }

    private static void refuseAsData(java.util.List<Object> known, Object array, String where, String what) {
        for (Object k : known) {
            // a view of a tensor (w.reshape(..), w.get(..)) reads it too; arrays are compared by identity only
            // (and TensorMemory, which names ND4J's classes, is never reached without tensors)
            if (k == array || !k.getClass().isArray() && !array.getClass().isArray() && org.grad4j.tensor.TensorMemory.overlap(k, array)) {
                throw new org.grad4j.GradientException("grad4j cannot differentiate " + where + ", which gives the " + what
                        + " under another name. grad4j takes what is reached this way as a constant, so the uses of it "
                        + "there would silently get no derivative. Read it where the gradient can follow it — through "
                        + "the function's argument, or the model and the objects it holds — or keep a copy (dup(), "
                        + "clone()) there if it is meant to stay constant.");
            }
        }
    }

    /**
     * Called by generated code where a differentiable value is stored into an array the method
     * was given whose shadow is null: the caller passed an array it does not track (read from a
     * field, a data row, returned by a call run as written) where the analysis of the caller found
     * no implementation that writes it — one loaded later, say. The value's derivative would
     * silently be lost.
     *
     * @param where the store, as {@code Foo.bar (Foo.java:12)}
     */
    public GradientException untrackedStore(String where) {
        return new GradientException("grad4j cannot differentiate " + where + ": it stores a differentiable value into "
                + "an array it was given, and in this call that array is one grad4j does not track (the caller passed "
                + "an array read from a field, a row of a data matrix, or one returned by a call grad4j runs as it is), "
                + "so the value's derivative would silently be lost. Write into an array the method allocates (or a "
                + "copy: in.clone()) and return it, or have the caller pass a copy it makes in the differentiated code.");
    }

    /** Hands the registers back to the thread for the next gradient; their values have been read. */
    void releaseRegisters() {
        registers.giveBack();
    }

    /** Hands the tape back to the thread for the next gradient; the gradient has ended. */
    void releaseTape(boolean completed) {
        if (tape != null) tape.giveBack(completed);
        tape = null;
    }

    /** Asks for the reverse pass to allocate its tensors in a reused ND4J workspace (see ReverseWorkspace). */
    void wantReverseWorkspace() {
        reverseWorkspaceWanted = true;
    }

    /** Called when the forward pass has ended (the top continuation runs): from here on only adjoint rules run. */
    void reverseStarts() {
        if (reverseWorkspaceWanted && reverseWorkspace == null) {
            reverseWorkspace = org.grad4j.tensor.ReverseWorkspace.open();
        }
    }

    /** The workspace the reverse pass allocates in, or null. */
    Object reverseWorkspace() {
        return reverseWorkspace;
    }

    /**
     * Called by the entry of generated code whose stack depth does not grow with its input (no
     * loop runs as recursion, no differentiated call), right after {@link #enter}: such gradients
     * may run on the caller's thread (see {@link EntryCall}). Only the outermost entry decides —
     * a bounded helper called from a loop says nothing of the gradient — so the mark counts only
     * when no other generated frame is on the stack.
     */
    public void markBoundedDepth(int frameBytes) {
        if (stackUsed == frameBytes) boundedDepth = true;
    }

    /** Whether the entry called {@link #markBoundedDepth}. */
    public boolean hasBoundedDepth() {
        return boundedDepth;
    }

    /** The byte budget of generated frames this computation was given. */
    public long stackBudgetBytes() {
        return stackBudget;
    }

    /** The current estimate of the generated frames' stack use, in bytes. */
    public long stackUsedBytes() {
        return stackUsed;
    }
}
