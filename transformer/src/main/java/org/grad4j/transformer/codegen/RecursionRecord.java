package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * What one call of a taped recursion keeps for its reverse (see {@code split.TapedRecursion}): the
 * locals its reverse code reads, pushed on the value tape by the forward function where it returns,
 * with the number of the {@code return} it took last (where there are several and the parameters do
 * not tell: {@code RecursionPlan.Decision}), and popped back
 * into the same locals at the start of the reverse function. Each {@code return} has a record of
 * its own: the locals of the
 * blocks that can lead to it. Each stack gets one block per call (its room checked once, then
 * stored at fixed offsets from its top), so the record costs a few stores, not a push each.
 */
final class RecursionRecord {
    private static final String TAPE = "org/grad4j/runtime/ValueTape";

    /** By {@code return}: the locals its record holds, by stack: {@code int} (flag words too), {@code double}, references. */
    private final List<List<FunctionLocals.Kept>> ints = new ArrayList<>();
    private final List<List<FunctionLocals.Kept>> doubles = new ArrayList<>();
    private final List<List<FunctionLocals.Kept>> objects = new ArrayList<>();
    private final boolean numbered;
    private final int tape;
    private final int array;
    private final int top;

    /**
     * @param bySite per {@code return}, the locals the reverse reads when the forward call took it
     * @param decided whether the reverse tells which {@code return} was taken from its parameters
     * @param scratch allocates a local assigned before each use (the tape, a stack's array, its top)
     */
    RecursionRecord(List<List<FunctionLocals.Kept>> bySite, boolean decided, java.util.function.Function<Type, Integer> scratch) {
        this.numbered = bySite.size() > 1 && !decided;
        for (List<FunctionLocals.Kept> kept : bySite) {
            ints.add(kept.stream().filter(l -> l.sort() == Type.INT).toList());
            doubles.add(kept.stream().filter(l -> l.sort() == Type.DOUBLE).toList());
            objects.add(kept.stream().filter(l -> l.sort() == Type.OBJECT).toList());
            if (kept.stream().anyMatch(l -> l.sort() != Type.INT && l.sort() != Type.DOUBLE && l.sort() != Type.OBJECT)) {
                throw new IllegalStateException("a taped recursion keeps a long or float local");
            }
        }
        this.tape = scratch.apply(Type.getObjectType(TAPE));
        this.array = scratch.apply(Type.getType(Object.class));
        this.top = scratch.apply(Type.INT_TYPE);
    }

    /** What the record of each {@code return} holds, by stack, and whether the number of the return follows. */
    record Layout(List<List<FunctionLocals.Kept>> bySite, boolean numbered) {}

    /** The record's layout: to check that the two functions agree. */
    Layout layout() {
        List<List<FunctionLocals.Kept>> all = new ArrayList<>();
        for (int site = 0; site < ints.size(); site++) {
            List<FunctionLocals.Kept> one = new ArrayList<>(ints.get(site));
            one.addAll(doubles.get(site));
            one.addAll(objects.get(site));
            all.add(one);
        }
        return new Layout(all, numbered);
    }

    /**
     * At {@code return} number {@code site} of the forward function: its record, then {@code site} on
     * top — unless the method has one {@code return}, or the reverse decides which it was.
     */
    void push(MethodVisitor mv, int ctx, int site) {
        loadTape(mv, ctx);
        store(mv, doubles.get(site), "d", "[D", "dTop", Opcodes.DLOAD, Opcodes.DASTORE, -1);
        store(mv, ints.get(site), "i", "[I", "iTop", Opcodes.ILOAD, Opcodes.IASTORE, numbered ? site : -1);
        store(mv, objects.get(site), "o", "[Ljava/lang/Object;", "oTop", Opcodes.ALOAD, Opcodes.AASTORE, -1);
    }

    /**
     * At the start of the reverse function: the number of the {@code return} its forward call took
     * — or, where the record holds none, {@code decide}'s jump to the label of the return — then
     * that return's record back into its locals, then {@code atSite} for it (which must jump away:
     * the code for the next return follows).
     */
    void pop(MethodVisitor mv, int ctx, IntConsumer atSite, java.util.function.Consumer<Label[]> decide) {
        loadTape(mv, ctx);
        Label[] sites = new Label[ints.size()];
        for (int i = 0; i < sites.length; i++) sites[i] = new Label();
        if (numbered) {
            load(mv, List.of(), "i", "[I", "iTop", Opcodes.ISTORE, Opcodes.IALOAD, true);
            mv.visitTableSwitchInsn(0, sites.length - 1, sites[sites.length - 1], sites);
        } else if (sites.length > 1) {
            decide.accept(sites);
        }
        for (int site = 0; site < sites.length; site++) {
            mv.visitLabel(sites[site]);
            load(mv, objects.get(site), "o", "[Ljava/lang/Object;", "oTop", Opcodes.ASTORE, Opcodes.AALOAD, false);
            load(mv, doubles.get(site), "d", "[D", "dTop", Opcodes.DSTORE, Opcodes.DALOAD, false);
            load(mv, ints.get(site), "i", "[I", "iTop", Opcodes.ISTORE, Opcodes.IALOAD, false);
            atSite.accept(site);
        }
    }
    private void loadTape(MethodVisitor mv, int ctx) {
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "tape", "()L" + TAPE + ";", false);
        mv.visitVarInsn(Opcodes.ASTORE, tape);
    }

    /** {@code stack[top + k] = local_k} for each, then {@code site} (when not -1) after them; the top moves up. */
    private void store(MethodVisitor mv, List<FunctionLocals.Kept> locals, String field, String desc, String topField, int loadOp,
                       int storeOp, int site) {
        int n = locals.size() + (site >= 0 ? 1 : 0);
        if (n == 0) return;
        loadStack(mv, field, desc, topField);
        mv.visitVarInsn(Opcodes.ISTORE, top);
        Label room = new Label();
        mv.visitVarInsn(Opcodes.ILOAD, top);
        Jvm.pushInt(mv, n);
        mv.visitInsn(Opcodes.IADD);
        mv.visitVarInsn(Opcodes.ALOAD, array);
        mv.visitTypeInsn(Opcodes.CHECKCAST, desc);
        mv.visitInsn(Opcodes.ARRAYLENGTH);
        mv.visitJumpInsn(Opcodes.IF_ICMPLE, room);
        mv.visitVarInsn(Opcodes.ALOAD, tape);
        mv.visitVarInsn(Opcodes.ILOAD, top);
        Jvm.pushInt(mv, n);
        mv.visitInsn(Opcodes.IADD);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, TAPE, "grow" + field.toUpperCase(), "(I)" + desc, false);
        mv.visitVarInsn(Opcodes.ASTORE, array);
        mv.visitLabel(room);
        for (int k = 0; k < n; k++) {
            mv.visitVarInsn(Opcodes.ALOAD, array);
            mv.visitTypeInsn(Opcodes.CHECKCAST, desc);
            element(mv, k);
            if (k < locals.size()) mv.visitVarInsn(loadOp, locals.get(k).local());
            else Jvm.pushInt(mv, site);
            mv.visitInsn(storeOp);
        }
        mv.visitVarInsn(Opcodes.ALOAD, tape);
        mv.visitVarInsn(Opcodes.ILOAD, top);
        Jvm.pushInt(mv, n);
        mv.visitInsn(Opcodes.IADD);
        mv.visitFieldInsn(Opcodes.PUTFIELD, TAPE, topField, "I");
    }

    /**
     * The top moves down by the record's size; {@code local_k = stack[top + k]} (references cast back
     * to their type, which the verifier wants where they are passed on, and cleared), then the site
     * if {@code site}.
     */
    private void load(MethodVisitor mv, List<FunctionLocals.Kept> locals, String field, String desc, String topField, int storeOp,
                      int loadOp, boolean site) {
        int n = locals.size() + (site ? 1 : 0);
        if (n == 0) return;
        loadStack(mv, field, desc, topField);
        Jvm.pushInt(mv, n);
        mv.visitInsn(Opcodes.ISUB);
        mv.visitInsn(Opcodes.DUP);
        mv.visitVarInsn(Opcodes.ISTORE, top);
        mv.visitVarInsn(Opcodes.ALOAD, tape);
        mv.visitInsn(Opcodes.SWAP);
        mv.visitFieldInsn(Opcodes.PUTFIELD, TAPE, topField, "I");
        for (int k = 0; k < locals.size(); k++) {
            mv.visitVarInsn(Opcodes.ALOAD, array);
            mv.visitTypeInsn(Opcodes.CHECKCAST, desc);
            element(mv, k);
            mv.visitInsn(loadOp);
            Type type = locals.get(k).type();
            if (storeOp == Opcodes.ASTORE && !type.equals(Type.getType(Object.class))) {
                mv.visitTypeInsn(Opcodes.CHECKCAST, type.getSort() == Type.ARRAY ? type.getDescriptor() : type.getInternalName());
            }
            mv.visitVarInsn(storeOp, locals.get(k).local());
            if (storeOp == Opcodes.ASTORE) { // the tape holds no reference it no longer needs
                mv.visitVarInsn(Opcodes.ALOAD, array);
                mv.visitTypeInsn(Opcodes.CHECKCAST, desc);
                element(mv, k);
                mv.visitInsn(Opcodes.ACONST_NULL);
                mv.visitInsn(Opcodes.AASTORE);
            }
        }
        if (site) {
            mv.visitVarInsn(Opcodes.ALOAD, array);
            mv.visitTypeInsn(Opcodes.CHECKCAST, desc);
            element(mv, locals.size());
            mv.visitInsn(loadOp);
        }
    }

    /** One of the tape's stacks into {@link #array}, and its top onto the operand stack. */
    private void loadStack(MethodVisitor mv, String field, String desc, String topField) {
        mv.visitVarInsn(Opcodes.ALOAD, tape);
        mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, field, desc);
        mv.visitVarInsn(Opcodes.ASTORE, array);
        mv.visitVarInsn(Opcodes.ALOAD, tape);
        mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, topField, "I");
    }

    private void element(MethodVisitor mv, int k) {
        mv.visitVarInsn(Opcodes.ILOAD, top);
        if (k > 0) {
            Jvm.pushInt(mv, k);
            mv.visitInsn(Opcodes.IADD);
        }
    }
}
