package org.grad4j.transformer.codegen;

import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.analysis.AdjointReads;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.inline.InlinedLines;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.grad4j.transformer.split.LoopEnvironments;
import org.grad4j.transformer.split.Region;
import org.grad4j.transformer.split.Rematerialisation;
import org.grad4j.transformer.split.TapedLoops;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;

/**
 * Emits one generated function (DESIGN §4.5): the region's blocks forward, keeping every value
 * in a local of its own and setting a flag per block that needs reverse code; at each edge
 * leaving the region a call of the next function (or of the continuation, at a return), which
 * returns only when the rest of the program has run forward and backward; then the reverse of
 * the blocks that ran, in reverse topological order; finally the adjoints of the parameters
 * into the registers. A taped loop nest's function ({@link TapeEmitter}) records the blocks that
 * ran on the value tape instead of in flags, and its reverse pops them back in a loop.
 */
final class FunctionEmitter {
    private final Generation g;
    private final Region region;
    private final FunctionShape shape;
    private final MethodVisitor mv;
    private final FunctionLocals locals;
    private final StatementEmitter stmts;
    private final Map<Integer, Label> labels = new HashMap<>();
    private boolean planningExitBlock;
    private static final Types.Kind[] ADJOINT_KINDS = {Types.Kind.SCALAR, Types.Kind.TENSOR};
    /** Where every exit goes once the rest of the program has returned: all jump forward to it. */
    private final Label reverse = new KnownZeros.SkipLabel();
    private final int k;
    private final int ctx;
    private int frameCost;
    /** Non-null when this function is a taped loop nest: real loops whose blocks push their values to the tape. */
    private final TapedLoops.Tape taped;
    private TapeEmitter tape;

    /**
     * Which function this is: the one of a region ({@link #WHOLE}: forward, exit, reverse), or one
     * of the two of a taped recursion ({@code split.TapedRecursion}): {@link #FORWARD} runs the
     * blocks, its calls of itself plain calls, and pushes the locals the reverse reads where it
     * returns the value; {@link #REVERSE} pops them and runs the blocks' reverse, with the value's
     * adjoint as its last parameter.
     */
    enum Part { WHOLE, FORWARD, REVERSE }

    private final Part part;
    /** A taped recursion's slots some block writes; null otherwise. */
    private final BitSet writtenSlots;
    /** A taped recursion's record of what its reverse reads (see {@link RecursionRecord}). */
    private RecursionRecord record;
    /**
     * A taped recursion's statements, by block, whose values the reverse reads but computes again
     * where the block's reverse starts instead of popping them: arithmetic on constants, the
     * parameters and each other ({@code 2 * i + 1}, {@code depth - 1}, {@code i % x.length}) and, in
     * the outermost variant, element reads of parameter arrays ({@code w[2 * i]}), which nothing
     * writes before the reverse has run. The block ran, so what it computed cannot throw now.
     */
    private final Map<Integer, List<Stmt>> recomputed = new HashMap<>();
    /** A taped recursion's returns, and which blocks lead to each; null otherwise. */
    private final RecursionPlan recursion;

    FunctionEmitter(Generation g, Region region, FunctionShape shape, ClassVisitor cv) {
        this(g, region, shape, cv, Part.WHOLE);
    }

    FunctionEmitter(Generation g, Region region, FunctionShape shape, ClassVisitor cv, Part part) {
        String name = switch (part) {
            case WHOLE -> shape.name();
            case FORWARD -> TapedRecursionEntry.FORWARD;
            case REVERSE -> TapedRecursionEntry.REVERSE;
        };
        String descriptor = switch (part) {
            case WHOLE -> shape.descriptor();
            case FORWARD -> TapedRecursionEntry.forwardDescriptor(shape);
            case REVERSE -> TapedRecursionEntry.reverseDescriptor(shape);
        };
        int slots = (org.objectweb.asm.Type.getArgumentsAndReturnSizes(descriptor) >> 2) - 1;
        if (slots > 255) { // the JVM's limit; spilling live values into an object is not built yet
            throw g.refusal.at(g.ir.block(region.head()).firstLine(), "a generated function would need " + slots
                            + " parameter slots, more than the JVM's 255 (too many parameters, or too many values live at "
                            + "one point; double and long take two, and each array its shadow too)",
                    "Pass the values in an array or an object instead of as separate parameters; where many temporaries "
                            + "are live at once (generated code), keep them in a double[] or move groups of them into helper methods.");
        }
        this.g = g;
        this.region = region;
        this.shape = shape;
        this.part = part;
        this.writtenSlots = part == Part.WHOLE ? null : org.grad4j.transformer.split.TapedRecursion.written(g.ir);
        this.recursion = part == Part.WHOLE ? null : new RecursionPlan(g.ir, region.blocks(), g.activity, this::holdsItsSlot);
        this.mv = new KnownZeros(new LazyNegations(cv.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, name, descriptor,
                null, null)));
        // a taped recursion's functions take no continuation; the reverse's last parameter is the
        // value's adjoint (valueAdjointLocal), whose two slots the forward function leaves unused
        this.k = part == Part.WHOLE ? shape.continuationLocal() : -1;
        this.ctx = part == Part.WHOLE ? shape.ctxLocal() : shape.continuationLocal();
        this.locals = new FunctionLocals(part == Part.WHOLE ? ctx + 1 : valueAdjointLocal() + 2);
        this.stmts = new StatementEmitter(mv, locals, g.activity, g.hostAccess, ctx, g.refusal, g.lengthOnly, !g.activityMask.entry());
        // a block no jump back reaches (no loop header of the region) is reached only by jumps
        // emitted before it: what is known zero on all of them is known at its start
        List<Integer> order = region.blocks();
        Map<Integer, Integer> position = new HashMap<>();
        for (int i = 0; i < order.size(); i++) position.put(order.get(i), i);
        BitSet jumpedBack = new BitSet();
        for (int i = 0; i < order.size(); i++) {
            for (int succ : g.ir.block(order.get(i)).successors()) {
                Integer at = position.get(succ);
                if (at != null && at <= i) jumpedBack.set(succ);
            }
        }
        for (int b : order) labels.put(b, jumpedBack.get(b) ? new Label() : new KnownZeros.SkipLabel());
        this.taped = region.stub() || shape == g.entryShape ? null : g.tapes.of(region.head());
    }

    void emit() {
        plan();
        // Compiled frames hold only what lives across the call (measured: 190-330 bytes for 40-110 locals);
        // the first, interpreted frames are larger but few. The StackOverflowError backstop covers the rest.
        frameCost = 3 * locals.size() + 64;
        mv.visitCode();
        if (part == Part.FORWARD) { // moves by running again, from the entry (TapedRecursionEntry)
            mv.visitVarInsn(Opcodes.ALOAD, ctx);
            Jvm.pushInt(mv, frameCost);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "enterForward", "(I)V", false);
        } else {
            // code of a bounded depth cannot lead back to its entry; a taped recursion's reverse is
            // as deep as its forward was
            FrameEntry.emit(mv, ctx, frameCost, g.className, shape, part == Part.WHOLE
                    && (shape == g.entryShape ? !g.boundedDepth : g.split.recursiveLoops().get(region.head())));
        }
        if (part == Part.WHOLE && shape == g.entryShape && g.boundedDepth) {
            mv.visitVarInsn(Opcodes.ALOAD, ctx);
            Jvm.pushInt(mv, frameCost);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "markBoundedDepth", "(I)V", false);
        }
        for (int[] z : locals.zeroed()) {
            Type t = Types.ofLocalSort(z[1]);
            Jvm.zero(mv, t);
            Jvm.store(mv, t, z[0]);
        }
        for (int i = 0; i < shape.slots().length; i++) {
            Type t = shape.types()[i];
            if (Generation.isEnvironment(shape.slots()[i])) {
                loadEnvironmentFields(g.environment(shape.slots()[i]), shape.local(i));
                continue;
            }
            Jvm.load(mv, t, shape.local(i));
            Jvm.store(mv, t, locals.slotVar(shape.slots()[i], t));
            if (Types.isShadowed(t)) {
                if (isWorkArray(i)) { // passed without a shadow: its own, zeros
                    mv.visitVarInsn(Opcodes.ALOAD, ctx);
                    mv.visitVarInsn(Opcodes.ALOAD, shape.local(i));
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "workShadow", "(Ljava/lang/Object;)Ljava/lang/Object;", false);
                } else {
                    mv.visitVarInsn(Opcodes.ALOAD, shape.local(i) + t.getSize());
                }
                mv.visitVarInsn(Opcodes.ASTORE, locals.slotShadow(shape.slots()[i]));
            }
        }
        refuseWorkArraysUnderOtherNames();
        if (part != Part.WHOLE) {
            if (part == Part.FORWARD) {
                for (int b : region.blocks()) emitBlock(g.ir.block(b));
            } else {
                startReverseFromRecord();
                emitReverse();
            }
            mv.visitMaxs(0, 0);
            mv.visitEnd();
            return;
        }
        if (tape != null) tape.start();
        if (region.stub()) {
            exitTo(null, region.head());
        } else {
            for (int b : region.blocks()) emitBlock(g.ir.block(b));
        }
        emitReverse();
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Whether parameter {@code i} of this function is a work array of the entry (see ActivityMask.WORK). */
    private boolean isWorkArray(int i) {
        int p = i - (g.ir.isStatic() ? 0 : 1);
        return shape == g.entryShape && p >= 0 && g.activityMask.isWork(p);
    }

    /**
     * An entry with work arrays: each array parameter it takes as data must not be one of them,
     * or a row of one, under another name (two captured names for one buffer, a buffer that is
     * also a row of a captured matrix); reads through that name would not see the shadow. {@code
     * ctx.checkData} refuses it at run time, as it refuses the point reached as data.
     */
    private void refuseWorkArraysUnderOtherNames() {
        int first = g.ir.isStatic() ? 0 : 1;
        boolean any = false;
        for (int i = first; i < shape.slots().length; i++) any |= isWorkArray(i);
        if (!any) return;
        String as = g.ir.name().startsWith("lambda$") ? "captured value " : "parameter ";
        for (int j = first; j < shape.slots().length; j++) {
            if (!Types.isShadowed(shape.types()[j]) || g.activityMask.isActive(j - first)) continue;
            mv.visitVarInsn(Opcodes.ALOAD, ctx);
            mv.visitVarInsn(Opcodes.ALOAD, shape.local(j));
            mv.visitLdcInsn(g.refusal.where(0) + ": its " + as + (j - first + 1));
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "checkData", "(Ljava/lang/Object;Ljava/lang/String;)V", false);
        }
        // An object taken as data may reach a work array through its fields (a captured accessor
        // i -> h[i], a view of the buffer, a list of it): code run on it as it is would read the
        // buffer without its shadow. ctx.checkWorkHolder has the entry asked for again with it a holder.
        for (int j = 0; j < shape.slots().length; j++) {
            boolean receiver = j < first;
            if (receiver ? g.activityMask.receiverHolds() : g.activityMask.isActive(j - first)) continue;
            if (!mayHoldArrays(shape.types()[j])) continue;
            mv.visitVarInsn(Opcodes.ALOAD, ctx);
            mv.visitVarInsn(Opcodes.ALOAD, shape.local(j));
            Jvm.pushInt(mv, j - first);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "checkWorkHolder", "(Ljava/lang/Object;I)V", false);
        }
    }

    /** An object type whose fields may lead to an array: not a string or a boxed number (the runtime filters the rest). */
    private static boolean mayHoldArrays(Type t) {
        return t.getSort() == Type.OBJECT && !VALUES.contains(t.getInternalName());
    }

    private static final java.util.Set<String> VALUES = java.util.Set.of("java/lang/String", "java/lang/Double",
            "java/lang/Float", "java/lang/Integer", "java/lang/Long", "java/lang/Short", "java/lang/Byte",
            "java/lang/Character", "java/lang/Boolean", "java/lang/Number");

    // ---- planning: every local is allocated before code is emitted, so all can be zeroed at entry ----

    /** Slots this function's blocks read, or pass on without writing: the environment fields worth loading. */
    private final BitSet used = new BitSet();

    private void findUsedSlots() {
        for (int b : region.blocks()) {
            Block block = g.ir.block(b);
            block.reads().keySet().forEach(used::set);
            for (int succ : block.successors()) {
                if (!g.split.isHead(succ)) continue;
                FunctionShape target = g.shapeOf(succ);
                for (int s : target.slots()) {
                    if (Generation.isEnvironment(s)) {
                        if (shape.indexOf(s) < 0) for (int f : g.environment(s).fields()) used.set(f);
                    } else {
                        used.set(s);
                    }
                }
            }
        }
        if (region.stub()) for (int s : g.shapeOf(region.head()).slots()) if (!Generation.isEnvironment(s)) used.set(s);
    }

    private void plan() {
        // values a taped nest pushes, or computes again in reverse, are read where the verifier cannot
        // see them assigned on every path (a loop's record is pushed where it exits, also after no
        // iteration): they are zeroed at entry
        java.util.Set<Value> recomputeReads = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if (taped != null) for (TapedLoops.Chain c : chainsOf(taped)) readByTape(c, recomputeReads);
        findUsedSlots();
        for (int i = 0; i < shape.slots().length; i++) {
            int s = shape.slots()[i];
            if (Generation.isEnvironment(s)) {
                LoopEnvironments.LoopEnv env = g.environment(s);
                for (int k = 0; k < env.fields().length; k++) {
                    if (used.get(env.fields()[k])) planSlot(env.fields()[k], env.types()[k]);
                }
            } else {
                planSlot(s, shape.types()[i]);
            }
        }
        for (int b : region.blocks()) {
            Block block = g.ir.block(b);
            planningExitBlock = addsAtExit(block);
            java.util.Set<Value> reverseRead = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            java.util.List<Value> reverseShadows = new java.util.ArrayList<>(); // shadow locals are always zeroed
            if (g.split.needsReverse(b)) {
                for (Stmt s : block.stmts()) {
                    if (g.activity.isActive(s)) AdjointReads.of(s, g.activity, reverseRead, reverseShadows);
                }
            }
            for (EntryValue e : block.reads().values()) {
                planSlot(e.slot(), e.type());
                boolean fromSlot = holdsItsSlot(e);
                if (fromSlot) locals.planSlotValue(e, takesShadow(e));
                planValue(e, !fromSlot && (reverseRead.contains(e) || recomputeReads.contains(e)));
                if (!fromSlot) keepForReverse(b, e, reverseRead, reverseShadows);
            }
            Set<Value> again = part == Part.WHOLE ? Set.of()
                    : RecursionPlan.computedAgain(block, reverseRead, this::holdsItsSlot, g.activityMask.outermost());
            for (Stmt s : block.stmts()) {
                if (s.result() == null) continue;
                planValue(s.result(), reverseRead.contains(s.result()) || recomputeReads.contains(s.result()));
                if (again.contains(s.result())) recomputed.computeIfAbsent(b, x -> new java.util.ArrayList<>()).add(s);
                else keepForReverse(b, s.result(), reverseRead, reverseShadows);
            }
            block.exitValues().forEach(this::planSlot);
            // the slot shadows entry values read, planned before any edge is emitted: an edge stores into one also where
            // the slot's type is not shadowed (an Object holding the array on another path, see edge)
            for (EntryValue e : block.reads().values()) if (locals.hasShadow(e)) locals.slotShadow(e.slot());
            if (g.split.needsReverse(b) && taped == null) locals.flagBit(b); // a taped nest records blocks on the tape
            Stmt last = block.lastStmt();
            if (last != null && g.activity.isActiveCall(last) && part == Part.WHOLE) locals.continuation(b);
            for (int succ : block.successors()) {
                if (g.split.isHead(succ)) planPassThrough(block, g.shapeOf(succ));
            }
        }
        if (region.stub()) planPassThrough(null, g.shapeOf(region.head()));
        if (taped != null) tape = new TapeEmitter(mv, locals, taped, k, ctx, b -> reverseBlock(g.ir.block(b)), this::rerun);
        if (part != Part.WHOLE) {
            for (int word : locals.flagWords()) locals.keep(word, Type.INT_TYPE, -1);
            List<List<FunctionLocals.Kept>> bySite = new java.util.ArrayList<>();
            for (int site = 0; site < recursion.returns().size(); site++) {
                BitSet before = recursion.leadingTo(site);
                boolean onePath = recursion.onePath(site); // the blocks that ran are known: no flags to keep
                bySite.add(locals.kept().stream().filter(l -> l.block() < 0 ? !onePath : before.get(l.block())).toList());
            }
            record = new RecursionRecord(bySite, recursion.decision() != null, locals::scratch);
        }
    }

    /** In a taped recursion: a value the reverse reads, and an array's shadow it reads, go on the tape. */
    private void keepForReverse(int block, Value v, java.util.Set<Value> reverseRead, java.util.List<Value> reverseShadows) {
        if (part == Part.WHOLE) return;
        if (reverseRead.contains(v) && !recursion.isCallValue(v)) locals.keep(locals.value(v), v.type(), block);
        if (locals.hasShadow(v) && reverseShadows.stream().anyMatch(x -> x == v)) {
            locals.keep(locals.shadow(v), Type.getType(Object.class), block);
        }
    }

    /** Every chain of a taped nest: its own, its counted loops' (their records too) and its reductions'. */
    private static List<TapedLoops.Chain> chainsOf(TapedLoops.Tape tape) {
        List<TapedLoops.Chain> all = new java.util.ArrayList<>(tape.chains().values());
        for (TapedLoops.CountedLoop loop : tape.counted().values()) {
            all.addAll(loop.chains());
            all.add(loop.once());
        }
        for (TapedLoops.Reduction r : tape.reductions().values()) {
            all.addAll(r.chains());
            for (TapedLoops.Unit u : r.units()) if (u.inner() != null) all.addAll(u.inner().chains());
        }
        return all;
    }

    /** The values a chain pushes, and those its values computed again in reverse read and write. */
    private static void readByTape(TapedLoops.Chain c, java.util.Set<Value> into) {
        into.addAll(c.doubles());
        into.addAll(c.ints());
        into.addAll(c.objects());
        for (Rematerialisation.Redo r : c.redone()) {
            if (r instanceof Rematerialisation.Recompute re) {
                into.addAll(re.stmt().args());
                into.add(re.stmt().result());
            } else if (r instanceof Rematerialisation.Copy copy) {
                into.add(copy.to());
                into.add(copy.from());
            }
        }
    }

    private void planPassThrough(Block from, FunctionShape target) {
        for (int i = 0; i < target.slots().length; i++) {
            int s = target.slots()[i];
            if (Generation.isEnvironment(s)) {
                if (shape.indexOf(s) >= 0) continue; // passed on as it is
                LoopEnvironments.LoopEnv env = g.environment(s);
                locals.createdEnvironment(from == null ? -1 : from.index(), env.header());
                for (int k = 0; k < env.fields().length; k++) {
                    int f = env.fields()[k];
                    if (from == null || !from.exitValues().containsKey(f)) planSlot(f, env.types()[k]);
                }
            } else if (from == null || !from.exitValues().containsKey(s)) {
                planSlot(s, target.types()[i]);
            }
        }
    }

    private void planValue(Value v, boolean readInReverse) {
        locals.planValue(v, readInReverse);
        if (takesShadow(v)) locals.planShadow(v);
        else if (g.activity.isActive(v)) locals.planAdjoint(v, planningExitBlock);
    }

    /** An active array, or an array copy typed Object before its cast: a value with a shadow, not an adjoint. */
    private boolean takesShadow(Value v) {
        return g.activity.isActive(v) && v.kind() != Types.Kind.SCALAR && v.kind() != Types.Kind.TENSOR;
    }

    private void planSlot(int slot, Value v) {
        planSlot(slot, v.type());
    }

    private void planSlot(int slot, Type t) {
        locals.slotVar(slot, t);
        if (Types.isShadowed(t)) locals.slotShadow(slot);
        Types.Kind k = Types.kind(t);
        if (k == Types.Kind.SCALAR || k == Types.Kind.TENSOR) locals.adjSlot(slot, k);
    }

    // ---- forward ----

    /** A block's label: while an inner sum runs again, its blocks' second copies have labels of their own. */
    private Label label(int block) {
        return rerunLabels != null && rerunLabels.containsKey(block) ? rerunLabels.get(block) : labels.get(block);
    }

    private Map<Integer, Label> rerunLabels;
    private Label rerunEnd;

    /**
     * In a reduction's reverse, at an inner sum's place (see {@link TapedLoops.InnerSum}): its
     * blocks emitted again, from the slots it started from, each iteration followed by its reverse
     * with the sum's adjoint; at its exit, on after the copy.
     */
    private void rerun(TapedLoops.InnerSum inner) {
        tape.startRerun(inner);
        rerunLabels = new HashMap<>();
        for (int b = inner.body().nextSetBit(0); b >= 0; b = inner.body().nextSetBit(b + 1)) rerunLabels.put(b, new Label());
        rerunEnd = new Label();
        mv.visitJumpInsn(Opcodes.GOTO, rerunLabels.get(inner.header()));
        for (int b : region.blocks()) if (inner.body().get(b)) emitBlock(g.ir.block(b));
        mv.visitLabel(rerunEnd);
        rerunLabels = null;
        tape.endRerun();
    }

    /**
     * Whether an entry value is its slot's value wherever this function reads it, so that the
     * reverse reads it from the slot's locals ({@link FunctionLocals#planSlotValue}): in a taped
     * nest (not a reduction, whose blocks give arrays buffers as shadows), a slot no block writes.
     * Read from the block's own local, each block's copy of {@code p}, of {@code xc} and of their
     * shadows was a value of its own living from the forward pass into the reverse — about a
     * hundred in GMM's nest — and C2 spilled the arrays its inner loops index, loading them from
     * the stack at every element (a gradient 6.0 ms, then 5.7 ms; the same tape code in
     * hand-written Java, 3.5 ms). Copied per block in the forward pass, they live only there.
     */
    private boolean holdsItsSlot(EntryValue e) {
        if (writtenSlots != null) return !writtenSlots.get(e.slot()); // a taped recursion's reverse takes the same parameters
        return taped != null && !taped.isReduction() && !taped.writes(e.slot());
    }

    /** A slot's value as type {@code t}, from its local (an array cast from the local's Object). */
    private void loadSlot(int slot, Type t) {
        Jvm.load(mv, t, locals.slotVar(slot, t));
        if (t.getSort() >= Type.ARRAY) Jvm.narrow(mv, t);
    }

    /** An entry value, and its shadow, from the slot's locals into the value's own. */
    private void readEntry(int block, EntryValue e) {
        loadSlot(e.slot(), e.type());
        Jvm.store(mv, e.type(), locals.value(e));
        if (locals.hasShadow(e)) { // in a reduction's body, the buffer its adjoints go to (see TapeEmitter)
            int buffer = tape == null ? -1 : tape.shadowSource(block, e.slot());
            mv.visitVarInsn(Opcodes.ALOAD, buffer >= 0 ? buffer : locals.slotShadow(e.slot()));
            mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(e));
        }
    }

    private void emitBlock(Block b) {
        mv.visitLabel(label(b.index()));
        if (b.firstLine() > 0) mv.visitLineNumber(InlinedLines.plain(b.firstLine()), label(b.index()));
        if (tape != null) tape.atBlockStart(b.index());
        if (g.split.needsReverse(b.index()) && tape == null) {
            int bit = locals.flagBit(b.index());
            mv.visitVarInsn(Opcodes.ILOAD, locals.flagWord(bit));
            Jvm.pushInt(mv, 1 << (bit % 32));
            mv.visitInsn(Opcodes.IOR);
            mv.visitVarInsn(Opcodes.ISTORE, locals.flagWord(bit));
        }
        for (EntryValue e : b.reads().values()) readEntry(b.index(), e);
        List<Stmt> body = b.stmts();
        Stmt last = b.lastStmt();
        boolean endsInCall = last != null && g.activity.isActiveCall(last);
        List<Stmt> sumOnlyHere = tape == null ? List.of() : tape.sumOnly(b.index()); // formed at the end, if wanted
        Set<Stmt> sumOnly = Set.of();
        if (!sumOnlyHere.isEmpty()) {
            sumOnly = Collections.newSetFromMap(new IdentityHashMap<>());
            sumOnly.addAll(sumOnlyHere);
        }
        int line = -1;
        for (Stmt s : body) {
            if (s == last && endsInCall) break;
            if (sumOnly.contains(s)) continue;
            line = lineOf(s, line);
            stmts.forward(s);
        }
        if (tape != null) {
            tape.formSum(b.index(), sumOnlyHere, stmts::forward);
            tape.pushAfter(b.index());
        }
        if (endsInCall && part == Part.FORWARD) {
            callForward(b, last);
        } else if (endsInCall) {
            callExit(b, last);
        } else {
            terminate(b);
        }
    }

    private void terminate(Block b) {
        Terminator t = b.terminator();
        int[] succ = t.successors();
        switch (t.kind()) {
            case GOTO -> edge(b, succ[0]);
            case BRANCH -> {
                t.args().forEach(stmts::load);
                Label taken = new Label();
                mv.visitJumpInsn(t.insn().getOpcode(), taken);
                edge(b, succ[1]);
                mv.visitLabel(taken);
                edge(b, succ[0]);
            }
            case SWITCH -> {
                stmts.load(t.args().get(0));
                Label[] cases = new Label[succ.length];
                for (int i = 0; i < cases.length; i++) cases[i] = new Label();
                Label[] rest = java.util.Arrays.copyOfRange(cases, 1, cases.length);
                if (t.insn() instanceof TableSwitchInsnNode ts) {
                    mv.visitTableSwitchInsn(ts.min, ts.max, cases[0], rest);
                } else {
                    LookupSwitchInsnNode ls = (LookupSwitchInsnNode) t.insn();
                    mv.visitLookupSwitchInsn(cases[0], ls.keys.stream().mapToInt(Integer::intValue).toArray(), rest);
                }
                for (int i = 0; i < cases.length; i++) {
                    mv.visitLabel(cases[i]);
                    edge(b, succ[i]);
                }
            }
            case RETURN -> {
                if (part == Part.FORWARD) returnForward(b, t);
                else returnExit(t);
            }
            case THROW -> {
                stmts.load(t.args().get(0));
                mv.visitInsn(Opcodes.ATHROW);
            }
        }
    }

    /**
     * Control passes from {@code b} to {@code succ}: inside the region a jump, else a call. In a
     * taped nest the back edge to its header is a jump too.
     */
    private void edge(Block b, int succ) {
        if (tape != null) tape.leaving(b.index(), succ);
        boolean backEdge = tape != null && succ == region.head();
        if (g.split.isHead(succ) && !backEdge) {
            exitTo(b, succ);
            return;
        }
        BitSet live = g.liveness.liveIn(succ);
        for (var e : b.exitValues().entrySet()) {
            int s = e.getKey();
            if (!live.get(s)) continue;
            Value v = e.getValue();
            stmts.load(v);
            Jvm.store(mv, v.type(), locals.slotVar(s, v.type()));
            // Object o = c ? w : "none": a slot typed Object may hold a shadowed array on one path, a string on another
            if (Types.isShadowed(v.type()) || locals.hasSlotShadow(s) && v.type().getSort() >= Type.ARRAY) {
                stmts.loadShadow(v);
                mv.visitVarInsn(Opcodes.ASTORE, locals.slotShadow(s));
            }
        }
        TapedLoops.InnerSum rerunning = tape == null ? null : tape.rerunning();
        if (rerunning != null && !rerunning.body().get(succ)) { // the second copy of an inner sum ends here
            mv.visitJumpInsn(Opcodes.GOTO, rerunEnd);
            return;
        }
        if (tape != null) tape.entered(b.index(), succ);
        mv.visitJumpInsn(Opcodes.GOTO, label(succ));
    }

    /** Pushes the value slot {@code s} holds when leaving {@code b} (null b: the function's entry). */
    private void loadSlotAtExit(Block b, int s, Type t) {
        Value v = b == null ? null : b.exitValues().get(s);
        if (v != null) {
            stmts.load(v);
        } else {
            loadSlot(s, t);
        }
    }

    private void loadSlotShadowAtExit(Block b, int s, Type t) {
        Value v = b == null ? null : b.exitValues().get(s);
        if (v != null) {
            stmts.loadShadow(v);
        } else if (slotActiveAtExit(b, s)) {
            mv.visitVarInsn(Opcodes.ALOAD, locals.slotShadow(s));
            Jvm.narrow(mv, t);
        } else {
            mv.visitInsn(Opcodes.ACONST_NULL);
        }
    }

    private boolean slotActiveAtExit(Block b, int s) {
        if (b == null) { // the entry stub forwards its own parameters
            int i = shape.indexOf(s);
            int p = i - (g.ir.isStatic() ? 0 : 1);
            return p >= 0 && g.activityMask.isActive(p);
        }
        return g.activity.exitActive(b.index()).get(s);
    }

    private void pushArguments(Block b, FunctionShape target, int skip) {
        for (int i = 0; i < target.slots().length; i++) {
            if (i == skip) continue;
            int s = target.slots()[i];
            Type t = target.types()[i];
            if (Generation.isEnvironment(s)) {
                pushEnvironment(b, s);
                continue;
            }
            loadSlotAtExit(b, s, t);
            if (Types.isShadowed(t)) loadSlotShadowAtExit(b, s, t);
        }
    }

    /** Calls the function headed by {@code head}; its parameters' adjoints come back in registers. */
    private void exitTo(Block b, int head) {
        FunctionShape target = g.shapeOf(head);
        pushArguments(b, target, -1);
        mv.visitVarInsn(Opcodes.ALOAD, k);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        if (tape != null) tape.writeTops(); // the rest of the program pushes above this nest's values
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, g.className, target.name(), target.descriptor(), false);
        if (tape != null) tape.afterExit();
        zeroSlotAdjoints();
        for (int i = 0; i < target.slots().length; i++) {
            int s = target.slots()[i];
            if (Generation.isEnvironment(s) && shape.indexOf(s) < 0) {
                readEnvironmentAdjoints(b, g.environment(s));
                continue;
            }
            int r = target.register(i);
            Types.Kind kind = target.registerKind(i);
            if (r < 0 || !slotActiveAtExit(b, s)) continue;
            addToAdjSlot(s, kind, () -> Jvm.loadRegister(mv, ctx, kind, r));
        }
        mv.visitJumpInsn(Opcodes.GOTO, reverse);
    }

    // ---- loop environments ----

    /** At entry: the invariants this function reads from an environment parameter go to their slot variables. */
    private void loadEnvironmentFields(LoopEnvironments.LoopEnv env, int envLocal) {
        String owner = g.environmentClass(env.header());
        for (int k = 0; k < env.fields().length; k++) {
            int f = env.fields()[k];
            Type t = env.types()[k];
            if (!used.get(f)) continue;
            mv.visitVarInsn(Opcodes.ALOAD, envLocal);
            mv.visitFieldInsn(Opcodes.GETFIELD, owner, EnvironmentEmitter.valueField(f), t.getDescriptor());
            Jvm.store(mv, t, locals.slotVar(f, t));
            if (Types.isShadowed(t)) {
                mv.visitVarInsn(Opcodes.ALOAD, envLocal);
                mv.visitFieldInsn(Opcodes.GETFIELD, owner, EnvironmentEmitter.shadowField(f), t.getDescriptor());
                mv.visitVarInsn(Opcodes.ASTORE, locals.slotShadow(f));
            }
        }
    }

    /** Passes this function's environment on, or builds it when entering the loop from outside. */
    private void pushEnvironment(Block b, int envSlot) {
        int own = shape.indexOf(envSlot);
        if (own >= 0) {
            mv.visitVarInsn(Opcodes.ALOAD, shape.local(own));
            return;
        }
        LoopEnvironments.LoopEnv env = g.environment(envSlot);
        String owner = g.environmentClass(env.header());
        mv.visitTypeInsn(Opcodes.NEW, owner);
        mv.visitInsn(Opcodes.DUP);
        for (int k = 0; k < env.fields().length; k++) {
            loadSlotAtExit(b, env.fields()[k], env.types()[k]);
            if (Types.isShadowed(env.types()[k])) loadSlotShadowAtExit(b, env.fields()[k], env.types()[k]);
        }
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, owner, "<init>", EnvironmentEmitter.constructorDescriptor(env), false);
        mv.visitInsn(Opcodes.DUP);
        mv.visitVarInsn(Opcodes.ASTORE, locals.createdEnvironment(b == null ? -1 : b.index(), env.header()));
    }

    /** After the loop returns: the adjoints its iterations accumulated in the environment we built. */
    private void readEnvironmentAdjoints(Block b, LoopEnvironments.LoopEnv env) {
        String owner = g.environmentClass(env.header());
        int created = locals.createdEnvironment(b == null ? -1 : b.index(), env.header());
        for (int k = 0; k < env.fields().length; k++) {
            int f = env.fields()[k];
            Types.Kind kind = EnvironmentEmitter.adjointKind(env.types()[k]);
            if (kind == Types.Kind.NONE || !slotActiveAtExit(b, f)) continue;
            addToAdjSlot(f, kind, () -> {
                mv.visitVarInsn(Opcodes.ALOAD, created);
                mv.visitFieldInsn(Opcodes.GETFIELD, owner, EnvironmentEmitter.adjointField(f), Types.adjointType(kind).getDescriptor());
            });
        }
    }

    /** At return: this iteration's part of each invariant's adjoint goes into the environment. */
    private void storeEnvironmentAdjoints(LoopEnvironments.LoopEnv env, int envLocal) {
        String owner = g.environmentClass(env.header());
        for (int k = 0; k < env.fields().length; k++) {
            int f = env.fields()[k];
            Types.Kind kind = EnvironmentEmitter.adjointKind(env.types()[k]);
            if (kind == Types.Kind.NONE || !locals.hasAdjSlot(f, kind)) continue;
            String desc = Types.adjointType(kind).getDescriptor();
            mv.visitVarInsn(Opcodes.ALOAD, envLocal);
            mv.visitInsn(Opcodes.DUP);
            mv.visitFieldInsn(Opcodes.GETFIELD, owner, EnvironmentEmitter.adjointField(f), desc);
            Jvm.loadAdjoint(mv, kind, locals.adjSlot(f, kind));
            Jvm.addAdjoints(mv, kind);
            mv.visitFieldInsn(Opcodes.PUTFIELD, owner, EnvironmentEmitter.adjointField(f), desc);
        }
    }

    private void addToAdjSlot(int s, Types.Kind kind, Runnable pushAdjoint) {
        pushAdjoint.run();
        Jvm.accumulateInto(mv, kind, locals.adjSlot(s, kind));
    }

    private void returnExit(Terminator t) {
        Type result = Type.getReturnType(g.ir.descriptor());
        mv.visitVarInsn(Opcodes.ALOAD, k);
        Value v = t.returned();
        if (v != null) stmts.load(v);
        boolean array = Types.isShadowed(result);
        if (array) { // the rest of the program accumulates into the result's shadow: a data array gets a zero one
            stmts.load(v);
            stmts.loadShadow(v);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "org/grad4j/runtime/ArrayAdjoints", "orZeros",
                    "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", false);
        }
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, g.continuation, "resume", Jvm.resumeDescriptor(result), true);
        zeroSlotAdjoints();
        if (v != null && !array) {
            if (stmts.hasAdjoint(v)) stmts.accumulate(v);
            else mv.visitInsn(Types.kind(result) == Types.Kind.TENSOR ? Opcodes.POP : Opcodes.POP2);
        }
        mv.visitJumpInsn(Opcodes.GOTO, reverse);
    }

    /** A differentiated call ends the region: the rest of this block's program runs in its continuation. */
    private void callExit(Block b, Stmt call) {
        Callee.Differentiated callee = (Callee.Differentiated) g.activity.callee(call);
        int after = b.successors()[0];
        FunctionShape target = g.shapeOf(after);
        Type calleeResult = Type.getReturnType(callee.descriptor());
        if (!Types.isCallResult(calleeResult)) {
            throw g.refusal.at(call.line(), "a call of " + simple(callee.owner()) + "." + callee.name()
                            + " that returns " + calleeResult.getClassName(),
                    "Differentiable methods called with differentiable arguments must return double, float, "
                            + "an array of them, or void. A helper returning an index, a flag or a string may take "
                            + "differentiable arrays if it only reads them and always runs the same body: make it "
                            + "static, private or final" + (callee.virtual() ? " (this call may run an override)" : "")
                            + ".");
        }
        boolean tail = g.returnsAsItIs(after, calleeResult);
        int resultIndex = calleeResult.getSort() == Type.VOID ? -1 : target.indexOf(g.ir.block(after).slotCount() - 1);
        ContinuationSpec spec = tail ? null : newContinuation(b, target, calleeResult, resultIndex);
        int cont = tail ? k : locals.continuation(b.index());

        FunctionShape calleeShape = FunctionShape.entry(callee.owner(), callee.descriptor(), callee.isStatic(),
                new int[0], Jvm.continuationFor(calleeResult));
        String mask = g.activity.calleeMask(call, callee.isStatic())
                + (g.readOnly.callsOutermost(b.index()) ? org.grad4j.transformer.ActivityMask.OUTERMOST : "");
        for (int j = 0; j < call.args().size(); j++) {
            Value arg = call.args().get(j);
            Type pt = calleeShape.types()[j];
            stmts.load(arg);
            if (Types.isShadowed(pt)) stmts.loadShadow(arg);
        }
        mv.visitVarInsn(Opcodes.ALOAD, cont);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        String desc = calleeShape.descriptor();
        boolean self = !callee.virtual() && callee.owner().equals(g.ir.owner()) && callee.name().equals(g.ir.name())
                && callee.descriptor().equals(g.ir.descriptor()) && mask.equals(g.mask);
        if (self) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, g.className, "entry", desc, false);
        } else if (callee.virtual()) {
            mv.visitInvokeDynamicInsn("call", desc, CalleeLinking.VIRTUAL, callee.owner().replace('/', '.'), callee.name(),
                    callee.descriptor() + "#" + mask, g.refusal.where(call.line()));
        } else {
            mv.visitInvokeDynamicInsn("call", desc, CalleeLinking.BOOTSTRAP, callee.owner().replace('/', '.'), callee.name(),
                    callee.descriptor() + "#" + mask);
        }
        zeroSlotAdjoints();
        addArgumentAdjoints(call, calleeShape);
        if (!tail) readCapturedAdjoints(b, spec, cont);
        mv.visitJumpInsn(Opcodes.GOTO, reverse);
    }

    /** The call site's continuation object, capturing the values the code after the call reads, into its local. */
    private ContinuationSpec newContinuation(Block b, FunctionShape target, Type calleeResult, int resultIndex) {
        ContinuationSpec spec = new ContinuationSpec(g.continuationClass(b.index()), calleeResult, target, resultIndex,
                g.continuation, g.resultOnlyFormsOurs(b.successors()[0], calleeResult));
        g.continuations.add(spec);
        mv.visitTypeInsn(Opcodes.NEW, spec.className());
        mv.visitInsn(Opcodes.DUP);
        pushArguments(b, target, resultIndex);
        mv.visitVarInsn(Opcodes.ALOAD, k);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, spec.className(), "<init>", spec.constructorDescriptor(), false);
        mv.visitVarInsn(Opcodes.ASTORE, locals.continuation(b.index()));
        return spec;
    }

    /** After the call returns: the adjoints of the values the continuation captured, from its fields. */
    private void readCapturedAdjoints(Block b, ContinuationSpec spec, int cont) {
        FunctionShape target = spec.target();
        for (int i = 0; i < target.slots().length; i++) {
            int s = target.slots()[i];
            Types.Kind kind = target.registerKind(i);
            if (i == spec.resultIndex() || kind == Types.Kind.NONE || !slotActiveAtExit(b, s)) continue;
            int field = i;
            addToAdjSlot(s, kind, () -> {
                mv.visitVarInsn(Opcodes.ALOAD, cont);
                mv.visitTypeInsn(Opcodes.CHECKCAST, spec.className());
                mv.visitFieldInsn(Opcodes.GETFIELD, spec.className(), ContinuationEmitter.adjointField(field),
                        Types.adjointType(kind).getDescriptor());
            });
        }
    }

    private static String simple(String internal) {
        return internal.substring(internal.lastIndexOf('/') + 1);
    }

    // ---- a taped recursion (split.TapedRecursion) ----

    /** A call of itself in the forward function: a plain call, its value into the slot the block after it reads it from. */
    private void callForward(Block b, Stmt call) {
        pushSelfCallArguments(call);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, g.className, TapedRecursionEntry.FORWARD,
                TapedRecursionEntry.forwardDescriptor(shape), false);
        int after = b.successors()[0];
        // the value, when the call has one, is the block's exit value of the slot it goes to
        Jvm.store(mv, Type.DOUBLE_TYPE, call.result() != null ? locals.value(call.result())
                : locals.slotVar(resultSlot(after), Type.DOUBLE_TYPE));
        edge(b, after);
    }

    /** Its reverse: the reverse function with the call's value's adjoint; its parameters' adjoints come back in registers. */
    private void callReverse(Block b, Stmt call) {
        pushSelfCallArguments(call);
        // The value's adjoint. The block after the call added it to the adjoint of the slot it read the
        // value from; this block's reverse, where it starts, moved that slot adjoint to its exit value of
        // the slot — the call's value, where the call has one (see callForward) —; else it is still the slot's.
        int slot = resultSlot(b.successors()[0]);
        Value result = call.result();
        boolean fromSlot = result == null && locals.hasAdjSlot(slot, Types.Kind.SCALAR);
        if (result != null && stmts.hasAdjoint(result)) stmts.loadAdjoint(result);
        else if (fromSlot) Jvm.loadAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(slot, Types.Kind.SCALAR));
        else Jvm.zeroAdjoint(mv, Types.Kind.SCALAR);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, g.className, TapedRecursionEntry.REVERSE,
                TapedRecursionEntry.reverseDescriptor(shape), false);
        if (fromSlot) {
            Jvm.zeroAdjoint(mv, Types.Kind.SCALAR);
            Jvm.storeAdjoint(mv, Types.Kind.SCALAR, locals.adjSlot(slot, Types.Kind.SCALAR));
        }
        addArgumentAdjoints(call, shape);
    }

    /** After a differentiated call returns: the adjoints its parameters handed back in registers, to its arguments'. */
    private void addArgumentAdjoints(Stmt call, FunctionShape callee) {
        for (int j = 0; j < call.args().size(); j++) {
            int r = callee.register(j);
            Value arg = call.args().get(j);
            if (r < 0 || !stmts.hasAdjoint(arg)) continue;
            Jvm.loadRegister(mv, ctx, callee.registerKind(j), r);
            stmts.accumulate(arg);
        }
    }

    /** A taped recursion's reverse function: the local of its last parameter, the adjoint of the value (a double). */
    private int valueAdjointLocal() {
        return ctx + 1;
    }

    /** A taped recursion: what its record holds, by return (the forward and reverse functions must agree). */
    RecursionRecord.Layout recordLayout() {
        return record == null ? null : record.layout();
    }

    /** The slot the block after a call receives its value in: the top of the operand stack. */
    private int resultSlot(int after) {
        return g.ir.block(after).slotCount() - 1;
    }

    /** A call of this variant's own method: its arguments (and shadows), {@code ctx}. */
    private void pushSelfCallArguments(Stmt call) {
        for (int j = 0; j < call.args().size(); j++) {
            Value arg = call.args().get(j);
            stmts.load(arg);
            if (Types.isShadowed(shape.types()[j])) stmts.loadShadow(arg);
        }
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
    }

    /** A {@code return} of the forward function: what the reverse reads onto the tape, then the value. */
    private void returnForward(Block b, Terminator t) {
        record.push(mv, ctx, recursion.returns().indexOf(b.index()));
        stmts.load(t.returned());
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        Jvm.pushInt(mv, frameCost);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "exit", "(I)V", false);
        mv.visitInsn(Opcodes.DRETURN);
    }

    /**
     * The reverse function's start: its forward call's locals back from the tape, slot adjoints at
     * zero, and the adjoint of the value (its last parameter) to the value the {@code return} it
     * took returned.
     */
    private void startReverseFromRecord() {
        zeroSlotAdjoints();
        int valueAdjoint = valueAdjointLocal();
        record.pop(mv, ctx, site -> {
            if (recursion.onePath(site)) { // the flags the forward call set on the one path to this return
                BitSet ran = recursion.leadingTo(site);
                int[] words = new int[locals.flagWords().size()];
                for (int b = ran.nextSetBit(0); b >= 0; b = ran.nextSetBit(b + 1)) {
                    if (!g.split.needsReverse(b)) continue;
                    int bit = locals.flagBit(b);
                    words[bit / 32] |= 1 << (bit % 32);
                }
                for (int w = 0; w < words.length; w++) {
                    Jvm.pushInt(mv, words[w]);
                    mv.visitVarInsn(Opcodes.ISTORE, locals.flagWords().get(w));
                }
            }
            Value v = g.ir.block(recursion.returns().get(site)).terminator().returned();
            if (v != null && stmts.hasAdjoint(v)) {
                mv.visitVarInsn(Opcodes.DLOAD, valueAdjoint);
                stmts.accumulate(v);
            }
            mv.visitJumpInsn(Opcodes.GOTO, reverse);
        }, this::decideReturn);
    }

    /**
     * Jumps to the label of the {@code return} the forward call took, found again from the
     * parameters ({@link RecursionPlan.Decision}): the entry's branches, on values computed again
     * into scratch locals, down to blocks from which one return alone is reached.
     */
    private void decideReturn(Label[] sites) {
        RecursionPlan.Decision d = recursion.decision();
        Map<Integer, Label> at = new HashMap<>();
        for (int b : d.order()) at.put(b, new Label());
        Map<Value, Integer> computed = new IdentityHashMap<>();
        java.util.function.Consumer<Value> load = v -> {
            if (v instanceof org.grad4j.transformer.ir.Const c) c.push().accept(mv);
            else if (v instanceof EntryValue e) loadSlot(e.slot(), e.type());
            else Jvm.load(mv, v.type(), computed.get(v));
        };
        for (int b : d.order()) {
            mv.visitLabel(at.get(b));
            Integer site = d.decided().get(b);
            if (site != null) {
                mv.visitJumpInsn(Opcodes.GOTO, sites[site]);
                continue;
            }
            for (Stmt s : d.recomputed().get(b)) { // one instruction each: arithmetic, a length, a compare
                s.args().forEach(load);
                mv.visitInsn(s.opcode());
                int local = locals.scratch(s.result().type());
                Jvm.store(mv, s.result().type(), local);
                computed.put(s.result(), local);
            }
            Terminator t = g.ir.block(b).terminator();
            if (t.kind() == Terminator.Kind.BRANCH) {
                t.args().forEach(load);
                mv.visitJumpInsn(t.insn().getOpcode(), at.get(t.successors()[0]));
                mv.visitJumpInsn(Opcodes.GOTO, at.get(t.successors()[1]));
            } else {
                mv.visitJumpInsn(Opcodes.GOTO, at.get(t.successors()[0]));
            }
        }
    }

    // ---- reverse ----

    private void emitReverse() {
        mv.visitLabel(reverse);
        locals.startReverse();
        for (FunctionLocals.SlotValue v : locals.slotValues()) { // see holdsItsSlot
            loadSlot(v.slot(), v.type());
            Jvm.store(mv, v.type(), v.local());
        }
        if (tape != null) {
            Label done = new Label();
            tape.reverseLoop(done, stmts::forward, b -> reverseBlock(g.ir.block(b)), // cheap arithmetic: its forward code again
                    this::flushDeferredRead);
            mv.visitLabel(done);
            tape.writeTops(); // back where this function found them
        }
        List<Integer> blocks = tape != null ? List.of() : region.blocks();
        for (int i = blocks.size() - 1; i >= 0; i--) {
            int b = blocks.get(i);
            if (!g.split.needsReverse(b)) continue;
            Label skip = new KnownZeros.SkipLabel();
            int bit = locals.flagBit(b);
            mv.visitVarInsn(Opcodes.ILOAD, locals.flagWord(bit));
            Jvm.pushInt(mv, 1 << (bit % 32));
            mv.visitInsn(Opcodes.IAND);
            mv.visitJumpInsn(Opcodes.IFEQ, skip);
            reverseBlock(g.ir.block(b));
            mv.visitLabel(skip);
        }
        for (int i = 0; i < shape.slots().length; i++) {
            if (Generation.isEnvironment(shape.slots()[i])) {
                storeEnvironmentAdjoints(g.environment(shape.slots()[i]), shape.local(i));
                continue;
            }
            int r = shape.register(i);
            if (r < 0) continue;
            Types.Kind kind = shape.registerKind(i);
            Jvm.storeRegister(mv, ctx, kind, r, locals.adjSlot(shape.slots()[i], kind));
        }
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        Jvm.pushInt(mv, frameCost);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "exit", "(I)V", false);
        mv.visitInsn(Opcodes.RETURN);
    }

    /** A block whose exit adds to its values' adjoints before its reverse code runs: a return, a differentiated call. */
    private boolean addsAtExit(Block b) {
        Stmt last = b.lastStmt();
        if (b.terminator().kind() == Terminator.Kind.RETURN) return true;
        return part == Part.WHOLE && last != null && g.activity.isActiveCall(last); // a taped recursion's calls end no function
    }

    /** Right after the rest of the program returned, at every exit: slot adjoints start at zero. */
    private void zeroSlotAdjoints() {
        for (int[] a : locals.adjSlots()) {
            Types.Kind kind = Types.Kind.values()[a[1]];
            Jvm.zeroAdjoint(mv, kind);
            Jvm.storeAdjoint(mv, kind, a[0]);
        }
    }

    /**
     * After a counted loop's reverse: a deferred element read's adjoint, summed over the
     * iterations, into its shadow. Skipped when zero: a loop that ran no iteration may have an
     * index no iteration read.
     */
    private void flushDeferredRead(Stmt read) {
        if (!stmts.hasAdjoint(read.result())) return;
        Label skip = new KnownZeros.SkipLabel();
        stmts.loadAdjoint(read.result());
        mv.visitInsn(Opcodes.DCONST_0);
        mv.visitInsn(Opcodes.DCMPL);
        mv.visitJumpInsn(Opcodes.IFEQ, skip);
        stmts.adjoint(read);
        mv.visitLabel(skip);
    }

    /**
     * Starts {@code s}'s source line where it differs from {@code line}, the one in force; returns
     * the one in force then. An inlined helper's statements have the line of the call, as the
     * call's frame would show in a stack trace (the class file's lines are the caller's file's).
     */
    private int lineOf(Stmt s, int line) {
        int own = InlinedLines.plain(s.line());
        if (own <= 0 || own == line) return line;
        Label l = new KnownZeros.SkipLabel(); // a line's start: no jump reaches it
        mv.visitLabel(l);
        mv.visitLineNumber(own, l);
        return own;
    }

    private void reverseBlock(Block b) {
        for (Stmt s : recomputed.getOrDefault(b.index(), List.of())) stmts.forward(s); // as the forward call computed them
        if (!addsAtExit(b)) { // this block's adjoints start here (exits of the other kind add to slot adjoints only)
            for (EntryValue e : b.reads().values()) zeroAdjoint(e);
            for (Stmt s : b.stmts()) if (s.result() != null && !defers(s)) zeroAdjoint(s.result());
        }
        // slots the block wrote: their adjoints move to the values written, and the old values' start afresh.
        // Only reads of a slot add to its adjoint, so a slot no successor reads (a temporary declared
        // in a loop body) has none to move: skipping it keeps the value's adjoint a known zero.
        BitSet liveOut = g.liveness.liveOut(b);
        for (var e : b.exitValues().entrySet()) {
            int s = e.getKey();
            Value v = e.getValue();
            for (Types.Kind kind : ADJOINT_KINDS) {
                if (!locals.hasAdjSlot(s, kind)) continue;
                int a = locals.adjSlot(s, kind);
                if (stmts.hasAdjoint(v) && v.kind() == kind && liveOut.get(s)) {
                    Jvm.loadAdjoint(mv, kind, a);
                    stmts.accumulate(v);
                }
                Jvm.zeroAdjoint(mv, kind);
                Jvm.storeAdjoint(mv, kind, a);
            }
        }
        List<Stmt> body = b.stmts();
        InPlaceAccumulations inPlace = new InPlaceAccumulations(b, g.activity);
        int line = -1;
        for (int i = body.size() - 1; i >= 0; i--) {
            Stmt s = body.get(i);
            if (part == Part.REVERSE && g.activity.isActiveCall(s)) {
                line = lineOf(s, line);
                callReverse(b, s);
                continue;
            }
            if (!g.activity.isActive(s) || g.activity.isActiveCall(s) || inPlace.absorbs(s) || defers(s)) continue;
            line = lineOf(s, line); // profiles and stack traces of the reverse name the statement's line too
            InPlaceAccumulations.Accumulation a = inPlace.at(s);
            if (a != null) stmts.accumulation(a);
            else stmts.adjoint(s);
        }
        for (EntryValue e : b.reads().values()) {
            if (!stmts.hasAdjoint(e)) continue;
            stmts.loadAdjoint(e);
            Jvm.accumulateInto(mv, e.kind(), locals.adjSlot(e.slot(), e.kind()));
        }
    }

    /** An element read whose reverse its counted loop runs once, after the iterations. */
    private boolean defers(Stmt s) {
        return tape != null && tape.defers(s);
    }

    private void zeroAdjoint(Value v) {
        if (!stmts.hasAdjoint(v)) return;
        Jvm.zeroAdjoint(mv, v.kind());
        Jvm.storeAdjoint(mv, v.kind(), locals.adjoint(v));
    }
}
