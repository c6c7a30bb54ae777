package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.grad4j.transformer.split.Rematerialisation;
import org.grad4j.transformer.split.TapedLoops;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The tape code of a taped loop nest's function (see {@link TapedLoops}): when a chain of blocks
 * with reverse work has run, the values its reverse reads and then the number of its last block
 * are pushed onto the thread's {@code ValueTape}; after the rest of the program returns, the
 * reverse loop pops a number, pops that chain's values back into the same locals, runs the
 * chain's reverse code, and goes on until the tape is back where this function found it.
 *
 * <p>The tape's arrays and tops live in locals while the nest runs; the tops are written back
 * before the call of the rest of the program (which pushes above them) and the arrays read again
 * after it (it may have grown them). A value pushed is never read again before its pop, so none
 * is live around a loop: C2 keeps nothing in registers or spill slots for it.
 */
final class TapeEmitter {
    private static final String TAPE = "org/grad4j/runtime/ValueTape";

    /** One of the tape's three stacks and the locals that mirror its array and top. */
    private record Stack(String field, String grow, Type array, int arrayLocal, int topLocal, int store, int load) {}

    /**
     * A local to push and pop: a float goes to the double stack widened; a reference value comes
     * back with the cast its local's type needs (null: none, a shadow's local is an Object).
     */
    private record Saved(int local, boolean isFloat, Type cast) {}

    /** What one chain pushes, by stack, and what its reverse does after the pop. */
    private record Recorded(TapedLoops.Chain chain, List<Saved> doubles, List<Saved> ints, List<Saved> objects) {}

    /**
     * A counted loop's locals: its iteration count, each counter's current value in reverse, and
     * the record pushed when it ends (the values fixed while it ran, then the counters' last
     * values and the count on the int stack).
     */
    private record Counted(TapedLoops.CountedLoop loop, int count, int[] counters, Recorded record, int mask) {}

    /**
     * A reduction's locals (see {@link TapedLoops.Reduction}): by array slot, the buffer its
     * iterations add to instead of the shadow; by invariant slot, the sum of its adjoints over the
     * iterations; the iteration's mask of chains that ran, when the body branches; and, when the
     * loop's sum is returned as is, whether the buffers are the shadows themselves ({@code direct})
     * and, where some statements only form the sum, whether the value is discarded ({@code
     * discards}, see {@link #formSum}); with several jumps back to the header, whether an
     * iteration's reverse waits for it ({@code pending}).
     */
    private record Reducing(TapedLoops.Reduction loop, Map<Integer, Integer> buffers, Map<Integer, Integer> sums, int mask,
                            int direct, int discards, int pending) {
        /** Whether {@code block} is the loop's: its values of the arrays take their buffers as shadows, and pass them on. */
        boolean runs(int block) {
            return loop.body().get(block);
        }
    }

    /**
     * An inner sum's locals ({@link TapedLoops.InnerSum}): the slots it restores, saved where it
     * is entered (by slot), and its sum's adjoint while it runs again.
     */
    private record Rerun(Map<Integer, Integer> saved, Map<TapedLoops.SlotOfType, Integer> after, int sumBar) {}

    private final Map<TapedLoops.InnerSum, Rerun> reruns = new java.util.IdentityHashMap<>();
    /** Runs an inner sum again, each iteration followed by its reverse (FunctionEmitter: it emits blocks). */
    private final Consumer<TapedLoops.InnerSum> rerun;
    /** The inner sum running again, while its blocks are emitted a second time; null otherwise. */
    private TapedLoops.InnerSum rerunning;

    private final MethodVisitor mv;
    private final int ctx;
    private final int k;
    private final int tapeLocal;
    private final int markLocal;
    private final int idLocal;
    private final Stack doubles, ints, objects;
    private final Map<Integer, Recorded> chains = new TreeMap<>(); // by the chain's last block, its number on the tape
    private final Map<Integer, Counted> counted = new TreeMap<>(); // by header
    private final Map<Integer, Reducing> reductions = new TreeMap<>(); // by header
    /** Emits a block's reverse code: a reduction's iterations run theirs in the forward pass. */
    private final IntConsumer reverseBlock;
    /** The counted loops' deferred element reads, by identity. */
    private final java.util.Set<Stmt> deferred = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final FunctionLocals locals;

    /**
     * Entries of each stack made room for at the start of every iteration of a nest with loops
     * inside ({@link #reserveAt}), so that the pushes in its inner loops find room: their checks
     * never fail, and C2 compiles their calls to grow the tape as traps. A call it compiles inside
     * a loop makes it keep the loop's arrays and indices on the stack and load them at every use
     * (GMM's triangle: 5.7 ms a gradient with the calls, 5.0 without). An iteration that pushes
     * more still grows the tape where it pushes.
     */
    private static final int RESERVED = 1 << 14;
    /** The nest's header when it has loops inside (and is not a reduction: those push nothing per iteration), else -1. */
    private final int reserveAt;

    TapeEmitter(MethodVisitor mv, FunctionLocals locals, TapedLoops.Tape tape, int continuationLocal, int ctxLocal,
                IntConsumer reverseBlock, Consumer<TapedLoops.InnerSum> rerun) {
        this.rerun = rerun;
        this.reserveAt = tape.nested() && !tape.isReduction() ? tape.header() : -1;
        this.mv = mv;
        this.k = continuationLocal;
        this.locals = locals;
        this.reverseBlock = reverseBlock;
        this.ctx = ctxLocal;
        this.tapeLocal = locals.scratch(Type.getObjectType(TAPE));
        this.markLocal = locals.scratch(Type.INT_TYPE);
        this.idLocal = locals.scratch(Type.INT_TYPE);
        this.doubles = stack(locals, "d", "[D", Opcodes.DASTORE, Opcodes.DALOAD);
        this.ints = stack(locals, "i", "[I", Opcodes.IASTORE, Opcodes.IALOAD);
        this.objects = stack(locals, "o", "[Ljava/lang/Object;", Opcodes.AASTORE, Opcodes.AALOAD);
        tape.reductions().forEach((header, loop) -> {
            Map<Integer, Integer> buffers = new TreeMap<>(), sums = new TreeMap<>();
            for (int slot : loop.arrays()) buffers.put(slot, locals.scratch(Type.getType("[D")));
            for (int slot : loop.invariants()) {
                if (locals.hasAdjSlot(slot, Types.Kind.SCALAR)) sums.put(slot, locals.scratch(Type.DOUBLE_TYPE));
            }
            for (TapedLoops.Unit unit : loop.units()) {
                if (unit.inner() == null) continue;
                Map<Integer, Integer> saved = new TreeMap<>();
                Map<TapedLoops.SlotOfType, Integer> after = new java.util.LinkedHashMap<>();
                unit.inner().restored().forEach((slot, type) -> saved.put(slot, locals.scratch(type)));
                for (TapedLoops.SlotOfType kept : unit.inner().kept()) after.put(kept, locals.scratch(kept.type()));
                reruns.put(unit.inner(), new Rerun(saved, after, locals.scratch(Type.DOUBLE_TYPE)));
            }
            reductions.put(header, new Reducing(loop, buffers, sums, loop.masked() ? locals.scratch(Type.INT_TYPE) : -1,
                    loop.returned() ? locals.scratch(Type.INT_TYPE) : -1, loop.sumOnly().isEmpty() ? -1 : locals.scratch(Type.INT_TYPE),
                    loop.latches() > 1 ? locals.scratch(Type.INT_TYPE) : -1));
        });
        tape.chains().forEach((last, chain) -> {
            if (reducedBy(last) == null) chains.put(last, recorded(chain, List.of()));
        });
        tape.counted().forEach((header, loop) -> {
            int[] counters = new int[loop.inductions().size()];
            List<Saved> last = new ArrayList<>();
            for (int k = 0; k < counters.length; k++) {
                counters[k] = locals.scratch(Type.INT_TYPE);
                last.add(new Saved(counters[k], false, null));
            }
            int count = locals.scratch(Type.INT_TYPE);
            last.add(new Saved(count, false, null));
            int mask = loop.masked() ? locals.scratch(Type.INT_TYPE) : -1;
            counted.put(header, new Counted(loop, count, counters, recorded(loop.once(), last), mask));
            deferred.addAll(loop.deferredReads());
        });
    }

    /** The locals of a chain's values, by stack; {@code moreInts} are pushed after its own ints. */
    private Recorded recorded(TapedLoops.Chain chain, List<Saved> moreInts) {
        List<Saved> d = new ArrayList<>(), i = new ArrayList<>(), o = new ArrayList<>();
        for (Value v : chain.doubles()) d.add(new Saved(locals.value(v), v.type().getSort() == Type.FLOAT, null));
        for (Value v : chain.ints()) i.add(new Saved(locals.value(v), false, null));
        i.addAll(moreInts);
        for (Value v : chain.objects()) o.add(new Saved(locals.value(v), false, v.type()));
        for (Value v : chain.shadows()) if (locals.hasShadow(v)) o.add(new Saved(locals.shadow(v), false, null));
        return new Recorded(chain, d, i, o);
    }

    /** Whether {@code s} is an element read whose adjoint a counted loop sums over its iterations (see {@link TapedLoops.CountedLoop}). */
    boolean defers(Stmt s) {
        return deferred.contains(s);
    }

    private Reducing reducedBy(int last) {
        for (Reducing r : reductions.values()) {
            for (TapedLoops.Chain chain : r.loop().chains()) if (chain.last() == last) return r;
        }
        return null;
    }

    /**
     * The local a block's value of an array slot takes its shadow from: in a reduction's body, the
     * buffer of that array; -1 elsewhere (the slot's shadow).
     */
    int shadowSource(int block, int slot) {
        for (Reducing r : reductions.values()) {
            Integer buffer = r.buffers().get(slot);
            if (buffer != null && r.runs(block)) return buffer;
        }
        return -1;
    }

    /** The reduction {@code block} belongs to, or null. */
    private Reducing reducing(int block) {
        for (Reducing r : reductions.values()) if (r.runs(block)) return r;
        return null;
    }

    /**
     * The statements of {@code block} that only form a returned sum ({@link
     * TapedLoops.Reduction#sumOnly}): the block's forward code leaves them out, and {@link
     * #formSum} runs them at its end. Empty outside such a reduction.
     */
    List<Stmt> sumOnly(int block) {
        Reducing r = reducing(block);
        return r == null ? List.of() : r.loop().sumOnly().getOrDefault(block, List.of());
    }

    /**
     * At the end of a block's forward code: its {@link #sumOnly} statements {@code stmts}, unless
     * the top continuation discards the value. Skipped, their results are zeros: the block's exit
     * still copies the sum into its slot's local, and the verifier wants it assigned on both paths
     * (the value goes nowhere; nothing else reads these results, see {@code SumOnlyWork}).
     */
    void formSum(int block, List<Stmt> stmts, Consumer<Stmt> forward) {
        if (stmts.isEmpty()) return;
        Label discarded = new KnownZeros.SkipLabel(), done = new KnownZeros.SkipLabel();
        mv.visitVarInsn(Opcodes.ILOAD, reducing(block).discards());
        mv.visitJumpInsn(Opcodes.IFNE, discarded);
        stmts.forEach(forward);
        mv.visitJumpInsn(Opcodes.GOTO, done);
        mv.visitLabel(discarded);
        for (Stmt st : stmts) {
            Jvm.zero(mv, st.result().type());
            Jvm.store(mv, st.result().type(), locals.value(st.result()));
        }
        mv.visitLabel(done);
    }

    private Counted countedBy(int last) {
        for (Counted c : counted.values()) {
            for (TapedLoops.Chain chain : c.loop().chains()) if (chain.last() == last) return c;
        }
        return null;
    }

    private static Stack stack(FunctionLocals locals, String field, String array, int store, int load) {
        return new Stack(field, "grow" + field.toUpperCase(), Type.getType(array), locals.scratch(Type.getType(array)),
                locals.scratch(Type.INT_TYPE), store, load);
    }

    private List<Stack> stacks() {
        return List.of(doubles, ints, objects);
    }

    /** At the function's start: the thread's tape, its arrays and tops into locals; where the block trace starts. */
    void start() {
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "tape", "()L" + TAPE + ";", false);
        mv.visitVarInsn(Opcodes.ASTORE, tapeLocal);
        for (Stack s : stacks()) {
            readArray(s);
            mv.visitVarInsn(Opcodes.ALOAD, tapeLocal);
            mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, s.field() + "Top", "I");
            mv.visitVarInsn(Opcodes.ISTORE, s.topLocal());
        }
        mv.visitVarInsn(Opcodes.ILOAD, ints.topLocal());
        mv.visitVarInsn(Opcodes.ISTORE, markLocal);
        for (Counted c : counted.values()) {
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, c.count());
            if (c.loop().masked()) {
                mv.visitInsn(Opcodes.ICONST_0);
                mv.visitVarInsn(Opcodes.ISTORE, c.mask());
            }
        }
        for (Reducing r : reductions.values()) startReduction(r);
        reruns.forEach((inner, locs) -> { // read only after the inner loop ran, but the verifier wants them assigned
            inner.restored().forEach((slot, type) -> {
                Jvm.zero(mv, type);
                Jvm.store(mv, type, locs.saved().get(slot));
            });
            locs.after().forEach((kept, local) -> {
                Jvm.zero(mv, kept.type());
                Jvm.store(mv, kept.type(), local);
            });
            mv.visitInsn(Opcodes.DCONST_0);
            mv.visitVarInsn(Opcodes.DSTORE, locs.sumBar());
        });
    }

    /**
     * Before a reduction runs (it runs once per call of this function: it is in no other loop): a
     * zeroed buffer per array that has a shadow — or, when the sum is returned to a top
     * continuation seeding 1, the shadow itself — and the invariants' adjoints from zero.
     */
    private void startReduction(Reducing r) {
        if (r.direct() >= 0) {
            mv.visitVarInsn(Opcodes.ALOAD, k);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "org/grad4j/runtime/TopContinuation", "seedsOne", "(Ljava/lang/Object;)Z",
                    false);
            mv.visitVarInsn(Opcodes.ISTORE, r.direct());
        }
        if (r.discards() >= 0) {
            mv.visitVarInsn(Opcodes.ALOAD, k);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "org/grad4j/runtime/TopContinuation", "discardsValue",
                    "(Ljava/lang/Object;)Z", false);
            mv.visitVarInsn(Opcodes.ISTORE, r.discards());
        }
        r.buffers().forEach((slot, buffer) -> {
            Label viaBuffer = new Label(), done = new Label();
            if (r.direct() >= 0) {
                mv.visitVarInsn(Opcodes.ILOAD, r.direct());
                mv.visitJumpInsn(Opcodes.IFEQ, viaBuffer);
                mv.visitVarInsn(Opcodes.ALOAD, locals.slotShadow(slot));
                mv.visitTypeInsn(Opcodes.CHECKCAST, "[D");
                mv.visitJumpInsn(Opcodes.GOTO, done);
            }
            mv.visitLabel(viaBuffer);
            mv.visitVarInsn(Opcodes.ALOAD, tapeLocal);
            mv.visitVarInsn(Opcodes.ALOAD, locals.slotShadow(slot));
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, TAPE, "adjointBuffer", "(Ljava/lang/Object;)[D", false);
            mv.visitLabel(done);
            mv.visitVarInsn(Opcodes.ASTORE, buffer);
        });
        r.sums().forEach((slot, sum) -> {
            Jvm.zeroAdjoint(mv, Types.Kind.SCALAR);
            Jvm.storeAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(slot, Types.Kind.SCALAR));
            Jvm.zeroAdjoint(mv, Types.Kind.SCALAR);
            Jvm.storeAdjoint(mv, Types.Kind.SCALAR, sum);
        });
        if (r.loop().masked()) {
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, r.mask());
        }
        if (r.pending() >= 0) {
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, r.pending());
        }
    }

    /**
     * At the start of a block: a reduction's header with several jumps back to it runs the reverse
     * of the iteration that just jumped, once for all of them (see {@link TapedLoops.Reduction#latches}).
     */
    void atBlockStart(int block) {
        if (block == reserveAt) for (Stack s : stacks()) ensureRoom(s, RESERVED);
        Reducing r = reductions.get(block);
        if (r == null || r.pending() < 0) return;
        Label none = new Label();
        mv.visitVarInsn(Opcodes.ILOAD, r.pending());
        mv.visitJumpInsn(Opcodes.IFEQ, none);
        reverseIteration(r);
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitVarInsn(Opcodes.ISTORE, r.pending());
        mv.visitLabel(none);
    }

    /**
     * At the end of a reduction's iteration, in the forward pass: its reverse, with the sum's
     * adjoint 1 — the chains that ran, last first — adding to the buffers and the invariants'
     * adjoints.
     */
    private void reverseIteration(Reducing r) {
        TapedLoops.Reduction loop = r.loop();
        seedIteration(loop.temporaries(), loop.accumulator(), () -> mv.visitInsn(Opcodes.DCONST_1));
        List<TapedLoops.Unit> units = loop.units();
        for (int k = units.size() - 1; k >= 0; k--) {
            Label skip = new KnownZeros.SkipLabel();
            if (loop.masked()) {
                mv.visitVarInsn(Opcodes.ILOAD, r.mask());
                Jvm.pushInt(mv, 1 << k);
                mv.visitInsn(Opcodes.IAND);
                mv.visitJumpInsn(Opcodes.IFEQ, skip);
            }
            TapedLoops.Unit unit = units.get(k);
            if (unit.chain() != null) reverseChainInPlace(unit.chain());
            else rerun.accept(unit.inner());
            mv.visitLabel(skip);
        }
        if (loop.masked()) {
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, r.mask());
        }
    }

    private void reverseChainInPlace(TapedLoops.Chain chain) {
        List<Integer> blocks = chain.blocks();
        for (int j = blocks.size() - 1; j >= 0; j--) reverseBlock.accept(blocks.get(j));
    }

    /**
     * Before an inner sum runs again: its sum's adjoint kept, the slots it starts from back in
     * their locals — theirs and those of every slot it writes at the end of the iteration kept aside.
     */
    void startRerun(TapedLoops.InnerSum inner) {
        Rerun locs = reruns.get(inner);
        Jvm.loadAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(inner.sum(), Types.Kind.SCALAR));
        mv.visitVarInsn(Opcodes.DSTORE, locs.sumBar());
        locs.after().forEach((kept, local) -> {
            Jvm.load(mv, kept.type(), locals.slotVar(kept.slot(), kept.type()));
            Jvm.store(mv, kept.type(), local);
        });
        inner.restored().forEach((slot, type) -> {
            Jvm.load(mv, type, locs.saved().get(slot));
            Jvm.store(mv, type, locals.slotVar(slot, type));
        });
        rerunning = inner;
    }

    /** The inner sum running again, while its blocks are emitted a second time; null otherwise. */
    TapedLoops.InnerSum rerunning() {
        return rerunning;
    }

    /**
     * After it ran again: the sum's adjoint before the loop is the one after it, and the slots
     * hold what the iteration left in them (the next iteration starts from that).
     */
    void endRerun() {
        Rerun locs = reruns.get(rerunning);
        Jvm.loadAdjoint(mv, Types.Kind.SCALAR, locs.sumBar());
        Jvm.storeAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(rerunning.sum(), Types.Kind.SCALAR));
        locs.after().forEach((kept, local) -> {
            Jvm.load(mv, kept.type(), local);
            Jvm.store(mv, kept.type(), locals.slotVar(kept.slot(), kept.type()));
        });
        rerunning = null;
    }

    /** An inner sum's iteration, run again: its reverse, with its sum's adjoint z̄. */
    private void reverseInnerIteration(TapedLoops.InnerSum inner) {
        seedIteration(inner.temporaries(), inner.sum(), () -> mv.visitVarInsn(Opcodes.DLOAD, reruns.get(inner).sumBar()));
        for (int j = inner.chains().size() - 1; j >= 0; j--) reverseChainInPlace(inner.chains().get(j));
    }

    /**
     * Where an iteration's reverse starts: the adjoints of the slots it writes and does not carry
     * from zero, the sum's adjoint the one {@code pushSeed} pushes (the same in every iteration).
     */
    private void seedIteration(List<Integer> temporaries, int sum, Runnable pushSeed) {
        for (int slot : temporaries) {
            if (!locals.hasAdjSlot(slot, Types.Kind.SCALAR)) continue;
            Jvm.zeroAdjoint(mv, Types.Kind.SCALAR);
            Jvm.storeAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(slot, Types.Kind.SCALAR));
        }
        pushSeed.run();
        Jvm.storeAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(sum, Types.Kind.SCALAR));
    }

    /**
     * The reverse of a whole reduction, once the rest of the program has returned the sum's
     * adjoint s̄: s̄ times each buffer into its array's shadow (the buffer goes back to the tape),
     * s̄ times each invariant's sum into its adjoint.
     */
    private void reverseReduction(Reducing r) {
        int sumBar = locals.adjSlot(r.loop().accumulator(), Types.Kind.SCALAR);
        Label added = new Label();
        if (r.direct() >= 0) { // the iterations added to the shadows, and s̄ was the seed, 1
            mv.visitVarInsn(Opcodes.ILOAD, r.direct());
            mv.visitJumpInsn(Opcodes.IFNE, added);
        }
        r.buffers().forEach((slot, buffer) -> {
            mv.visitVarInsn(Opcodes.ALOAD, tapeLocal);
            mv.visitVarInsn(Opcodes.ALOAD, locals.slotShadow(slot));
            mv.visitVarInsn(Opcodes.ALOAD, buffer);
            Jvm.loadAdjoint(mv, Types.Kind.SCALAR, sumBar);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, TAPE, "addScaled", "(Ljava/lang/Object;[DD)V", false);
        });
        mv.visitLabel(added);
        r.sums().forEach((slot, sum) -> {
            Jvm.loadAdjoint(mv, Types.Kind.SCALAR, sumBar);
            mv.visitVarInsn(Opcodes.DLOAD, sum);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, TAPE, "scaled", "(DD)D", false);
            Jvm.accumulateInto(mv, Types.Kind.SCALAR, locals.adjSlot(slot, Types.Kind.SCALAR));
        });
    }

    private void readArray(Stack s) {
        mv.visitVarInsn(Opcodes.ALOAD, tapeLocal);
        mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, s.field(), s.array().getDescriptor());
        mv.visitVarInsn(Opcodes.ASTORE, s.arrayLocal());
    }

    /**
     * At the end of a block: when it ends a chain, the chain's values, then the block's number —
     * or, for a counted loop's body, its values only, and its bit set in the iteration's mask
     * when the body branches.
     */
    void pushAfter(int block) {
        Reducing reducing = reducedBy(block);
        int unit = reducing == null || !reducing.loop().masked() ? -1 : unitEndingAt(reducing, block);
        if (unit >= 0 && rerunning == null) setUnitBit(reducing, unit);
        Recorded r = chains.get(block);
        if (r == null) return;
        Counted c = countedBy(block);
        push(r, c == null ? block : null);
        if (c != null && c.loop().masked()) {
            mv.visitVarInsn(Opcodes.ILOAD, c.mask());
            Jvm.pushInt(mv, 1 << chainIndex(c, block));
            mv.visitInsn(Opcodes.IOR);
            mv.visitVarInsn(Opcodes.ISTORE, c.mask());
        }
    }

    /** The unit of the reduction a chain ending at {@code last} is, or -1 (a chain inside an inner sum). */
    private static int unitEndingAt(Reducing r, int last) {
        List<TapedLoops.Unit> units = r.loop().units();
        for (int k = 0; k < units.size(); k++) if (units.get(k).chain() != null && units.get(k).chain().last() == last) return k;
        return -1;
    }

    private void setUnitBit(Reducing r, int unit) {
        mv.visitVarInsn(Opcodes.ILOAD, r.mask());
        Jvm.pushInt(mv, 1 << unit);
        mv.visitInsn(Opcodes.IOR);
        mv.visitVarInsn(Opcodes.ISTORE, r.mask());
    }

    private static int chainIndex(Counted c, int last) {
        List<TapedLoops.Chain> chains = c.loop().chains();
        for (int k = 0; k < chains.size(); k++) if (chains.get(k).last() == last) return k;
        throw new IllegalStateException("b" + last + " ends no chain of the loop b" + c.loop().header());
    }

    /**
     * Control leaves {@code from} for {@code to}. Back to a counted loop's header: the iteration
     * is counted, after its mask of the chains that ran when the body branches. Out of a counted
     * loop: its record — the values fixed while it ran, its counters' last values (their slots'
     * locals now), the count — and its number; the count starts again from zero.
     */
    void leaving(int from, int to) {
        if (rerunning != null) { // running an inner sum again: each iteration is followed by its reverse
            if (to == rerunning.header() && rerunning.body().get(from)) reverseInnerIteration(rerunning);
            return;
        }
        Reducing again = reductions.get(to);
        if (again != null && from != to && again.loop().body().get(from)) {
            if (again.pending() >= 0) {
                mv.visitInsn(Opcodes.ICONST_1);
                mv.visitVarInsn(Opcodes.ISTORE, again.pending());
            } else {
                reverseIteration(again);
            }
            return;
        }
        Reducing done = reductions.get(from);
        if (done != null && !done.loop().body().get(to)) { // the invariants' sums, then the loop's number
            done.sums().forEach((slot, sum) -> {
                Jvm.loadAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(slot, Types.Kind.SCALAR));
                mv.visitVarInsn(Opcodes.DSTORE, sum);
            });
            push(ints, 1, k -> Jvm.pushInt(mv, done.loop().key()));
            return;
        }
        Counted back = counted.get(to);
        if (back != null && from != to && back.loop().body().get(from)) {
            if (back.loop().masked()) {
                push(ints, 1, k -> mv.visitVarInsn(Opcodes.ILOAD, back.mask()));
                mv.visitInsn(Opcodes.ICONST_0);
                mv.visitVarInsn(Opcodes.ISTORE, back.mask());
            }
            mv.visitIincInsn(back.count(), 1);
            return;
        }
        Counted c = counted.get(from);
        if (c == null || c.loop().body().get(to)) return;
        List<TapedLoops.Induction> inductions = c.loop().inductions();
        for (int k = 0; k < inductions.size(); k++) {
            mv.visitVarInsn(Opcodes.ILOAD, locals.slotVar(inductions.get(k).slot(), Type.INT_TYPE));
            mv.visitVarInsn(Opcodes.ISTORE, c.counters()[k]);
        }
        push(c.record(), c.loop().key());
        mv.visitInsn(Opcodes.ICONST_0);
        mv.visitVarInsn(Opcodes.ISTORE, c.count());
    }

    /**
     * Control has left {@code from} for {@code to} and the slots hold what {@code to} starts
     * from: entering an inner sum, they are saved, for running it again, and its bit is set.
     */
    void entered(int from, int to) {
        if (rerunning != null) return;
        for (Reducing r : reductions.values()) {
            List<TapedLoops.Unit> units = r.loop().units();
            for (int u = 0; u < units.size(); u++) {
                TapedLoops.InnerSum inner = units.get(u).inner();
                if (inner == null || to != inner.header() || inner.body().get(from)) continue;
                Rerun locs = reruns.get(inner);
                inner.restored().forEach((slot, type) -> {
                    Jvm.load(mv, type, locals.slotVar(slot, type));
                    Jvm.store(mv, type, locs.saved().get(slot));
                });
                setUnitBit(r, u);
            }
        }
    }

    /** Pushes a chain's values, then {@code number} unless it is null. */
    private void push(Recorded r, Integer number) {
        push(doubles, r.doubles().size(), k -> {
            Saved v = r.doubles().get(k);
            mv.visitVarInsn(v.isFloat() ? Opcodes.FLOAD : Opcodes.DLOAD, v.local());
            if (v.isFloat()) mv.visitInsn(Opcodes.F2D);
        });
        push(ints, r.ints().size() + (number == null ? 0 : 1), k -> {
            if (k < r.ints().size()) mv.visitVarInsn(Opcodes.ILOAD, r.ints().get(k).local());
            else Jvm.pushInt(mv, number);
        });
        push(objects, r.objects().size(), k -> mv.visitVarInsn(Opcodes.ALOAD, r.objects().get(k).local()));
    }

    private void push(Stack s, int n, IntConsumer pushValue) {
        if (n == 0) return;
        ensureRoom(s, n);
        for (int k = 0; k < n; k++) {
            element(s, k);
            pushValue.accept(k);
            mv.visitInsn(s.store());
        }
        mv.visitIincInsn(s.topLocal(), n);
    }

    /** Grows the stack's array, when it must, to hold {@code n} more entries. */
    private void ensureRoom(Stack s, int n) {
        Label fits = new Label();
        mv.visitVarInsn(Opcodes.ILOAD, s.topLocal());
        Jvm.pushInt(mv, n);
        mv.visitInsn(Opcodes.IADD);
        mv.visitVarInsn(Opcodes.ALOAD, s.arrayLocal());
        mv.visitInsn(Opcodes.ARRAYLENGTH);
        mv.visitJumpInsn(Opcodes.IF_ICMPLE, fits);
        mv.visitVarInsn(Opcodes.ALOAD, tapeLocal);
        mv.visitVarInsn(Opcodes.ILOAD, s.topLocal());
        Jvm.pushInt(mv, n);
        mv.visitInsn(Opcodes.IADD);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, TAPE, s.grow(), "(I)" + s.array().getDescriptor(), false);
        mv.visitVarInsn(Opcodes.ASTORE, s.arrayLocal());
        mv.visitLabel(fits);
    }

    /** Pushes the stack's array and the index of its {@code k}-th entry above the top. */
    private void element(Stack s, int k) {
        mv.visitVarInsn(Opcodes.ALOAD, s.arrayLocal());
        mv.visitVarInsn(Opcodes.ILOAD, s.topLocal());
        if (k > 0) {
            Jvm.pushInt(mv, k);
            mv.visitInsn(Opcodes.IADD);
        }
    }

    /** The tops from their locals back into the tape: before the call of the rest of the program, and at the end. */
    void writeTops() {
        for (Stack s : stacks()) {
            mv.visitVarInsn(Opcodes.ALOAD, tapeLocal);
            mv.visitVarInsn(Opcodes.ILOAD, s.topLocal());
            mv.visitFieldInsn(Opcodes.PUTFIELD, TAPE, s.field() + "Top", "I");
        }
    }

    /** After it returned: the arrays it may have grown. */
    void afterExit() {
        for (Stack s : stacks()) readArray(s);
    }

    /**
     * The reverse loop: while chains remain above the mark, pop one's number and values, compute
     * again the values it did not push, and run {@code reverseBlock} for its blocks, last first;
     * then on to {@code done}. {@code flush} emits a deferred element read's reverse, once after
     * its loop's iterations.
     */
    void reverseLoop(Label done, Consumer<Stmt> recompute, IntConsumer reverseBlock, Consumer<Stmt> flush) {
        Label loop = new Label();
        mv.visitLabel(loop);
        mv.visitVarInsn(Opcodes.ILOAD, ints.topLocal());
        mv.visitVarInsn(Opcodes.ILOAD, markLocal);
        mv.visitJumpInsn(Opcodes.IF_ICMPLE, done);
        mv.visitIincInsn(ints.topLocal(), -1);
        mv.visitVarInsn(Opcodes.ALOAD, ints.arrayLocal());
        mv.visitVarInsn(Opcodes.ILOAD, ints.topLocal());
        mv.visitInsn(Opcodes.IALOAD);
        mv.visitVarInsn(Opcodes.ISTORE, idLocal);
        Map<Integer, Runnable> cases = new TreeMap<>(); // by the number on the tape
        chains.forEach((last, r) -> {
            if (countedBy(last) == null) cases.put(last, () -> reverseChain(r, recompute, reverseBlock));
        });
        counted.values().forEach(c -> cases.put(c.loop().key(), () -> reverseCounted(c, loop, recompute, reverseBlock, flush)));
        reductions.values().forEach(r -> cases.put(r.loop().key(), () -> reverseReduction(r)));
        int[] keys = cases.keySet().stream().mapToInt(Integer::intValue).toArray();
        Label[] labels = new Label[keys.length];
        for (int k = 0; k < keys.length; k++) labels[k] = new Label();
        mv.visitVarInsn(Opcodes.ILOAD, idLocal);
        mv.visitLookupSwitchInsn(loop, keys, labels); // every number pushed has a case
        for (int k = 0; k < keys.length; k++) {
            mv.visitLabel(labels[k]);
            cases.get(keys[k]).run();
            mv.visitJumpInsn(Opcodes.GOTO, loop);
        }
    }

    private void reverseChain(Recorded r, Consumer<Stmt> recompute, IntConsumer reverseBlock) {
        pop(r);
        for (Rematerialisation.Redo redo : r.chain().redone()) {
            if (redo instanceof Rematerialisation.Recompute re) {
                recompute.accept(re.stmt());
            } else if (redo instanceof Rematerialisation.Copy copy) {
                // an entry value that holds a constant of an earlier block (1e-7 in x += 1e-7 * f(x), the
                // body of f inlined across a cut) is that constant: it has no local
                if (copy.from() instanceof org.grad4j.transformer.ir.Const c) {
                    c.push().accept(mv);
                } else {
                    mv.visitVarInsn(copy.from().type().getOpcode(Opcodes.ILOAD), locals.value(copy.from()));
                }
                mv.visitVarInsn(copy.to().type().getOpcode(Opcodes.ISTORE), locals.value(copy.to()));
            }
        }
        List<Integer> blocks = r.chain().blocks();
        for (int j = blocks.size() - 1; j >= 0; j--) reverseBlock.accept(blocks.get(j));
    }

    /**
     * A counted loop's record: the values fixed while it ran and the counters' last values back
     * in their locals, then its iterations last first — each counter stepped back to where the
     * iteration found it, the iteration's values popped, its chain reversed — and the deferred
     * reads' adjoints, summed over the iterations, into their shadows.
     */
    private void reverseCounted(Counted c, Label done, Consumer<Stmt> recompute, IntConsumer reverseBlock,
                                Consumer<Stmt> flush) {
        pop(c.record());
        for (Stmt read : c.loop().deferredReads()) {
            if (!locals.hasAdjoint(read.result())) continue;
            Jvm.zeroAdjoint(mv, Types.Kind.SCALAR);
            Jvm.storeAdjoint(mv, Types.Kind.SCALAR, locals.adjoint(read.result()));
        }
        Label iteration = new Label(), end = new Label();
        mv.visitLabel(iteration);
        mv.visitVarInsn(Opcodes.ILOAD, c.count());
        mv.visitJumpInsn(Opcodes.IFLE, end);
        mv.visitIincInsn(c.count(), -1);
        List<TapedLoops.Induction> inductions = c.loop().inductions();
        for (int k = 0; k < inductions.size(); k++) {
            TapedLoops.Induction in = inductions.get(k);
            mv.visitIincInsn(c.counters()[k], -in.step());
            for (Value v : in.atStart()) {
                mv.visitVarInsn(Opcodes.ILOAD, c.counters()[k]);
                mv.visitVarInsn(Opcodes.ISTORE, locals.value(v));
            }
            for (Value v : in.stepped()) {
                mv.visitVarInsn(Opcodes.ILOAD, c.counters()[k]);
                Jvm.pushInt(mv, in.step());
                mv.visitInsn(Opcodes.IADD);
                mv.visitVarInsn(Opcodes.ISTORE, locals.value(v));
            }
        }
        if (c.loop().masked()) { // the chains that ran in this iteration
            mv.visitIincInsn(ints.topLocal(), -1);
            element(ints, 0);
            mv.visitInsn(Opcodes.IALOAD);
            mv.visitVarInsn(Opcodes.ISTORE, c.mask());
        }
        List<TapedLoops.Chain> loopChains = c.loop().chains();
        for (int k = loopChains.size() - 1; k >= 0; k--) {
            Label skip = new KnownZeros.SkipLabel();
            if (c.loop().masked()) {
                mv.visitVarInsn(Opcodes.ILOAD, c.mask());
                Jvm.pushInt(mv, 1 << k);
                mv.visitInsn(Opcodes.IAND);
                mv.visitJumpInsn(Opcodes.IFEQ, skip);
            }
            reverseChain(chains.get(loopChains.get(k).last()), recompute, reverseBlock);
            mv.visitLabel(skip);
        }
        mv.visitJumpInsn(Opcodes.GOTO, iteration);
        mv.visitLabel(end);
        c.loop().deferredReads().forEach(flush);
        mv.visitJumpInsn(Opcodes.GOTO, done);
    }

    private void pop(Recorded r) {
        pop(doubles, r.doubles(), v -> {
            if (v.isFloat()) mv.visitInsn(Opcodes.D2F);
            mv.visitVarInsn(v.isFloat() ? Opcodes.FSTORE : Opcodes.DSTORE, v.local());
        });
        pop(ints, r.ints(), v -> mv.visitVarInsn(Opcodes.ISTORE, v.local()));
        pop(objects, r.objects(), v -> {
            if (v.cast() != null) mv.visitTypeInsn(Opcodes.CHECKCAST, v.cast().getInternalName());
            mv.visitVarInsn(Opcodes.ASTORE, v.local());
        });
    }

    private void pop(Stack s, List<Saved> values, Consumer<Saved> storeValue) {
        int n = values.size();
        if (n == 0) return;
        mv.visitIincInsn(s.topLocal(), -n);
        for (int k = 0; k < n; k++) {
            element(s, k);
            if (s == objects) { // read, then clear: the tape must not keep arrays alive
                mv.visitInsn(Opcodes.DUP2);
                mv.visitInsn(s.load());
                mv.visitInsn(Opcodes.DUP_X2);
                mv.visitInsn(Opcodes.POP);
                mv.visitInsn(Opcodes.ACONST_NULL);
                mv.visitInsn(Opcodes.AASTORE);
            } else {
                mv.visitInsn(s.load());
            }
            storeValue.accept(values.get(k));
        }
    }
}
