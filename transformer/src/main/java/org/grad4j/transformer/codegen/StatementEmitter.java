package org.grad4j.transformer.codegen;

import org.grad4j.rules.Rule;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The forward and the adjoint code of single statements. Forward: the original instruction
 * between loads of its operands and a store of its result, plus the shadow of an active array
 * result. Adjoint: the reverse rule, accumulating into the operands' adjoint locals; the
 * derivatives of library primitives come from the rule table, never from here.
 */
final class StatementEmitter {
    private final MethodVisitor mv;
    private final FunctionLocals locals;
    private final Activity activity;
    private final HostAccess hostAccess;
    private final int ctx;
    private final org.grad4j.transformer.Refusal refusal;
    private final java.util.Set<Value> lengthOnly;

    /** Whether arrays this variant is given may come without a shadow (it is not the entry {@code AD} calls). */
    private final boolean givenUntracked;

    StatementEmitter(MethodVisitor mv, FunctionLocals locals, Activity activity, HostAccess hostAccess, int ctxLocal,
                     org.grad4j.transformer.Refusal refusal, java.util.Set<Value> lengthOnly, boolean givenUntracked) {
        this.mv = mv;
        this.givenUntracked = givenUntracked;
        this.refusal = refusal;
        this.lengthOnly = lengthOnly;
        this.locals = locals;
        this.activity = activity;
        this.hostAccess = hostAccess;
        this.ctx = ctxLocal;
    }

    private static final String PARAMETERS = "org/grad4j/runtime/ParameterAdjoints";

    private void loadParameters() {
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "parameters", "()L" + PARAMETERS + ";", false);
    }

    /** A {@code @Parameter} array read: its shadow is found by identity, so every read of it shares one. */
    private void parameterShadow(Stmt s) {
        loadParameters();
        load(s.result());
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, PARAMETERS, "shadowOf", "(Ljava/lang/Object;)Ljava/lang/Object;", false);
        mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
    }

    /** A {@code @Parameter} scalar or tensor read: its adjoint goes to the model's field. */
    private void parameterAdjoint(Stmt s, String key) {
        Value r = s.result();
        if (!hasAdjoint(r)) return;
        boolean tensor = r.kind() == Types.Kind.TENSOR;
        if (tensor) withReads(r);
        loadParameters();
        if (s.opcode() == Opcodes.GETFIELD) load(s.arg(0)); else mv.visitInsn(Opcodes.ACONST_NULL);
        mv.visitLdcInsn(key);
        loadAdjoint(r);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, PARAMETERS, tensor ? "addTensor" : "addScalar",
                tensor ? "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/Object;)V" : "(Ljava/lang/Object;Ljava/lang/String;D)V", false);
    }

    /**
     * {@code adj v = ctx.withReads(v, adj v)}: where tensor {@code v} was made, the adjoints its
     * element and row reads gathered (an {@code Adjoint.into} rule's buffer, see
     * {@code org.grad4j.tensor.ReadAdjoints}) join its adjoint; no read of {@code v} can follow.
     */
    private void withReads(Value v) {
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        load(v);
        loadAdjoint(v);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "withReads", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", false);
        Jvm.storeAdjoint(mv, Types.Kind.TENSOR, locals.adjoint(v));
    }

    void load(Value v) {
        if (v instanceof Const c) {
            c.push().accept(mv);
        } else {
            Jvm.load(mv, v.type(), locals.value(v));
        }
    }

    /** Pushes the value as a double (floats widened). */
    void loadDouble(Value v) {
        load(v);
        Jvm.toDouble(mv, v.type());
    }

    /** Pushes the shadow of an array value, or null when it has none (a data array). */
    void loadShadow(Value v) {
        if (locals.hasShadow(v)) {
            mv.visitVarInsn(Opcodes.ALOAD, locals.shadow(v));
            Jvm.narrow(mv, v.type());
        } else {
            mv.visitInsn(Opcodes.ACONST_NULL);
        }
    }

    boolean hasAdjoint(Value v) {
        return locals.hasAdjoint(v);
    }

    /** {@code adj[v] += (adjoint on the stack)}; the caller checks {@link #hasAdjoint} first. */
    void accumulate(Value v) {
        Jvm.accumulateInto(mv, v.kind(), locals.adjoint(v));
    }

    void loadAdjoint(Value v) {
        Jvm.loadAdjoint(mv, v.kind(), locals.adjoint(v));
    }

    // ---- forward ----

    void forward(Stmt s) {
        AbstractInsnNode insn = s.insn();
        if (s.opcode() == Opcodes.IINC) {
            load(s.arg(0));
            Jvm.pushInt(mv, s.increment());
            mv.visitInsn(Opcodes.IADD);
        } else if (s.isNewInit()) {
            MethodInsnNode init = (MethodInsnNode) insn;
            if (hostAccess.needsLinking(init)) {
                s.args().forEach(this::load);
                hostAccess.emit(mv, init, true);
            } else {
                mv.visitTypeInsn(Opcodes.NEW, init.owner);
                mv.visitInsn(Opcodes.DUP);
                s.args().forEach(this::load);
                init.accept(mv);
            }
        } else {
            s.args().forEach(this::load);
            if (hostAccess.needsLinking(insn)) hostAccess.emit(mv, insn, false);
            else insn.accept(mv);
        }
        if (s.result() != null) Jvm.store(mv, s.result().type(), locals.value(s.result()));
        if (activity.isActive(s)) forwardShadow(s);
        else checkData(s);
    }

    /**
     * An array of doubles or floats, or a tensor, that differentiated code takes as data from a field, a call
     * run as it is, an element of a data array or a cast: {@code ctx.checkData} refuses it at run
     * time if it is an array the gradient is taken at, whose uses here would silently get no
     * derivative ({@code AD.gradient(v -> net.loss(v), net.w)} with {@code loss} also reading
     * {@code this.w}). Nothing can tell statically: the same field may hold a copy.
     */
    private void checkData(Stmt s) {
        Value r = s.result();
        if (r == null || activity.isActive(r)) return;
        if (r.kind() != Types.Kind.TENSOR) { // a tensor of data: the same check, against the tensors the gradient is at
            if (r.type().getSort() != Type.ARRAY) return;
            if (lengthOnly.contains(r)) return; // for (i < this.w.length) with the gradient at w: only its length is read
            int element = r.type().getElementType().getSort();
            if (element != Type.DOUBLE && element != Type.FLOAT) return;
        }
        String what = switch (s.opcode()) {
            case Opcodes.GETFIELD, Opcodes.GETSTATIC -> {
                var f = (org.objectweb.asm.tree.FieldInsnNode) s.insn();
                yield "a read of the field " + f.owner.replace('/', '.') + "." + f.name;
            }
            case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESTATIC, Opcodes.INVOKEINTERFACE, Opcodes.INVOKESPECIAL -> {
                var m = (MethodInsnNode) s.insn();
                yield "the result of " + m.owner.substring(m.owner.lastIndexOf('/') + 1).replace('$', '.') + "." + m.name
                        + ", a call grad4j runs as it is";
            }
            case Opcodes.AALOAD -> "an element of an array of arrays that grad4j takes as data";
            case Opcodes.CHECKCAST -> "a cast to " + r.type().getClassName();
            default -> null;
        };
        if (what == null) return;
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        load(r);
        mv.visitLdcInsn(refusal.where(s.line()) + ": " + what);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "checkData", "(Ljava/lang/Object;Ljava/lang/String;)V", false);
    }

    /** Shadows of active array results, and the mirror structure of 2-D shadows. */
    private void forwardShadow(Stmt s) {
        switch (s.opcode()) {
            case Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY -> {
                s.args().forEach(this::load);
                s.insn().accept(mv);
                mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
            }
            case Opcodes.AALOAD -> {
                if (s.result().kind() != Types.Kind.SHADOWED) return; // a tensor element: its adjoint goes back in reverse
                Label none = new Label(), done = new Label();
                loadShadow(s.arg(0));
                mv.visitJumpInsn(Opcodes.IFNULL, none);
                loadShadow(s.arg(0));
                load(s.arg(1));
                mv.visitInsn(Opcodes.AALOAD);
                mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
                mv.visitJumpInsn(Opcodes.GOTO, done);
                mv.visitLabel(none);
                mv.visitInsn(Opcodes.ACONST_NULL);
                mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
                mv.visitLabel(done);
            }
            case Opcodes.CHECKCAST -> {
                loadShadow(s.arg(0));
                mv.visitTypeInsn(Opcodes.CHECKCAST, ((TypeInsnNode) s.insn()).desc);
                mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
            }
            case Opcodes.AASTORE -> mirrorRowStore(s);
            case Opcodes.DASTORE, Opcodes.FASTORE -> guardStoreIntoGiven(s);
            case Opcodes.GETFIELD, Opcodes.GETSTATIC -> {
                if (s.result().kind() == Types.Kind.SHADOWED) parameterShadow(s);
            }
            default -> {
                if (activity.callee(s) instanceof Callee.ArrayOp op) forwardArrayOp(s, op.kind());
            }
        }
    }

    /**
     * {@code a[i] = v} with {@code v} differentiable and {@code a} an array the method was given:
     * throws where {@code a} came without a shadow. The caller's analysis passes an array it does
     * not track (a field's, a data row) only to callees that it found only read it; an
     * implementation loaded after that (a plugin, a layer type made later) that writes it would
     * otherwise lose the value's derivative silently.
     */
    private void guardStoreIntoGiven(Stmt s) {
        Value array = s.arg(0);
        if (!givenUntracked || !activity.isActive(s.arg(2)) || !locals.hasShadow(array) || !activity.mayBeCallersArray(array)) return;
        Label tracked = new KnownZeros.GuardLabel();
        loadShadow(array);
        mv.visitJumpInsn(Opcodes.IFNONNULL, tracked);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitLdcInsn(refusal.where(s.line()));
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "untrackedStore", "(Ljava/lang/String;)Lorg/grad4j/GradientException;", false);
        mv.visitInsn(Opcodes.ATHROW);
        mv.visitLabel(tracked);
    }

    private static final String ARRAYS = "org/grad4j/runtime/ArrayAdjoints";
    private static final String OBJ = "Ljava/lang/Object;";

    /** Copies get a shadow (zeros, or a container's rows); copies of rows mirror the row shadows. */
    private void forwardArrayOp(Stmt s, Callee.ArrayOp.Kind kind) {
        switch (kind) {
            case COPY_OF, COPY_OF_RANGE, CLONE -> {
                loadShadow(s.arg(0));
                load(s.result());
                if (kind == Callee.ArrayOp.Kind.COPY_OF_RANGE) load(s.arg(1)); else mv.visitInsn(Opcodes.ICONST_0); // from
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, ARRAYS, "shadowOfCopy", "(" + OBJ + OBJ + "I)" + OBJ, false);
                mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
            }
            case ARRAYCOPY -> {
                loadArraycopyShadows(s);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, ARRAYS, "copyRows", "(" + OBJ + "I" + OBJ + "II)V", false);
            }
            case SAME -> { // the same array: the same shadow
                loadShadow(s.arg(0));
                mv.visitVarInsn(Opcodes.ASTORE, locals.shadow(s.result()));
            }
            default -> { }
        }
    }

    /** {@code System.arraycopy(src, srcPos, dst, dstPos, n)} with the arrays' shadows in place of the arrays. */
    private void loadArraycopyShadows(Stmt s) {
        loadShadow(s.arg(0));
        load(s.arg(1));
        loadShadow(s.arg(2));
        load(s.arg(3));
        load(s.arg(4));
    }

    private void reverseArrayOp(Stmt s, Callee.ArrayOp.Kind kind) {
        String copy = "(" + OBJ + "I" + OBJ + "II)V";
        switch (kind) {
            case ARRAYCOPY -> {
                loadArraycopyShadows(s);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, ARRAYS, "copy", copy, false);
            }
            case CLONE, COPY_OF, COPY_OF_RANGE -> {
                loadShadow(s.arg(0));
                if (kind == Callee.ArrayOp.Kind.COPY_OF_RANGE) load(s.arg(1)); else mv.visitInsn(Opcodes.ICONST_0);
                loadShadow(s.result());
                mv.visitInsn(Opcodes.ICONST_0);
                // the number of elements copied from the source: min(result length, source length - offset)
                load(s.result());
                mv.visitTypeInsn(Opcodes.CHECKCAST, s.arg(0).type().getDescriptor());
                mv.visitInsn(Opcodes.ARRAYLENGTH);
                load(s.arg(0));
                mv.visitInsn(Opcodes.ARRAYLENGTH);
                if (kind == Callee.ArrayOp.Kind.COPY_OF_RANGE) {
                    load(s.arg(1));
                    mv.visitInsn(Opcodes.ISUB);
                }
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Math", "min", "(II)I", false);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, ARRAYS, "copy", copy, false);
            }
            case FILL, FILL_RANGE -> {
                Value v = s.arg(kind == Callee.ArrayOp.Kind.FILL ? 1 : 3);
                loadShadow(s.arg(0));
                if (kind == Callee.ArrayOp.Kind.FILL_RANGE) {
                    load(s.arg(1));
                    load(s.arg(2));
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, ARRAYS, "fill", "(" + OBJ + "II)D", false);
                } else {
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, ARRAYS, "fill", "(" + OBJ + ")D", false);
                }
                if (hasAdjoint(v)) accumulate(v);
                else mv.visitInsn(Opcodes.POP2);
            }
            case SAME -> { } // reads through either name added to the one shadow
        }
    }

    /** {@code container[i] = row}: the container's shadow gets the row's shadow at {@code i}. */
    private void mirrorRowStore(Stmt s) {
        Value row = s.arg(2);
        // tensors in an INDArray[]: adjoints move in reverse, nothing to mirror. An INDArray[][]
        // holds rows like a double[][] (getElementType() is INDArray for both: count dimensions)
        if (s.arg(0).type().getDimensions() == 1
                && (Types.kind(s.arg(0).type().getElementType()) == Types.Kind.TENSOR || row.kind() == Types.Kind.TENSOR)) {
            return;
        }
        Label skip = new Label();
        loadShadow(s.arg(0));
        mv.visitJumpInsn(Opcodes.IFNULL, skip);
        loadShadow(s.arg(0));
        mv.visitTypeInsn(Opcodes.CHECKCAST, "[Ljava/lang/Object;");
        load(s.arg(1));
        if (locals.hasShadow(row)) {
            loadShadow(row);
        } else if (row.type().getSort() == Type.ARRAY && row.type().getDimensions() == 1
                && Types.isScalarDifferentiable(row.type().getElementType())) {
            // a data row placed in a tracked container may later receive active values: give it a zero shadow
            Label isNull = new Label(), done = new Label();
            load(row);
            mv.visitJumpInsn(Opcodes.IFNULL, isNull);
            load(row);
            mv.visitInsn(Opcodes.ARRAYLENGTH);
            mv.visitIntInsn(Opcodes.NEWARRAY, row.type().getElementType().getSort() == Type.DOUBLE ? Opcodes.T_DOUBLE : Opcodes.T_FLOAT);
            mv.visitJumpInsn(Opcodes.GOTO, done);
            mv.visitLabel(isNull);
            mv.visitInsn(Opcodes.ACONST_NULL);
            mv.visitLabel(done);
        } else if (isTensorArray(row)) { // a data INDArray[] row: a shadow of no adjoints yet, as for a double[] row
            Label isNull = new Label(), done = new Label();
            load(row);
            mv.visitJumpInsn(Opcodes.IFNULL, isNull);
            load(row);
            mv.visitInsn(Opcodes.ARRAYLENGTH);
            mv.visitTypeInsn(Opcodes.ANEWARRAY, Types.INDARRAY);
            mv.visitJumpInsn(Opcodes.GOTO, done);
            mv.visitLabel(isNull);
            mv.visitInsn(Opcodes.ACONST_NULL);
            mv.visitLabel(done);
        } else {
            mv.visitInsn(Opcodes.ACONST_NULL);
        }
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitLabel(skip);
    }

    // ---- reverse ----


    void adjoint(Stmt s) {
        int op = s.opcode();
        Value r = s.result();
        switch (op) {
            case Opcodes.DADD, Opcodes.FADD -> {
                if (s.arg(0) == s.arg(1)) { // x + x: one contribution 2 adj, not two additions into adj x
                    propagate(s.arg(0), () -> { loadAdjoint(r); mv.visitInsn(Opcodes.DUP2); mv.visitInsn(Opcodes.DADD); });
                    return;
                }
                propagate(s.arg(0), () -> loadAdjoint(r));
                propagate(s.arg(1), () -> loadAdjoint(r));
            }
            case Opcodes.DSUB, Opcodes.FSUB -> {
                propagate(s.arg(0), () -> loadAdjoint(r));
                propagateNegated(s.arg(1), () -> loadAdjoint(r));
            }
            case Opcodes.DMUL, Opcodes.FMUL -> {
                if (s.arg(0) == s.arg(1)) { // a square: adj x += t + t with t = adj x, one multiplication fewer
                    propagate(s.arg(0), () -> {
                        productOfAdjoint(r, s.arg(0));
                        mv.visitInsn(Opcodes.DUP2);
                        mv.visitInsn(Opcodes.DADD);
                    });
                    return;
                }
                propagate(s.arg(0), () -> productOfAdjoint(r, s.arg(1)));
                propagate(s.arg(1), () -> productOfAdjoint(r, s.arg(0)));
            }
            case Opcodes.DDIV, Opcodes.FDIV -> {
                if (isNonZeroConstant(s.arg(1))) { // x / 2.0, x / n: a finite quotient of a finite adjoint
                    propagate(s.arg(0), () -> { loadAdjoint(r); loadDouble(s.arg(1)); mv.visitInsn(Opcodes.DDIV); });
                    return;
                }
                propagate(s.arg(0), () -> scaledAdjoint(r, () -> { loadDouble(s.arg(1)); mv.visitInsn(Opcodes.DDIV); }));
                propagateNegated(s.arg(1), () -> scaledAdjoint(r, () -> { // adj y -= adj r * r / y
                    loadDouble(r);
                    mv.visitInsn(Opcodes.DMUL);
                    loadDouble(s.arg(1));
                    mv.visitInsn(Opcodes.DDIV);
                }));
            }
            case Opcodes.DREM, Opcodes.FREM -> { // r = x - trunc(x/y)*y
                propagate(s.arg(0), () -> loadAdjoint(r));
                propagate(s.arg(1), () -> scaledAdjoint(r, () -> {
                    mv.visitInsn(Opcodes.DNEG);
                    loadDouble(s.arg(0));
                    loadDouble(r);
                    mv.visitInsn(Opcodes.DSUB);
                    loadDouble(s.arg(1));
                    mv.visitInsn(Opcodes.DDIV);
                    mv.visitInsn(Opcodes.DMUL);
                }));
            }
            case Opcodes.DNEG, Opcodes.FNEG -> propagateNegated(s.arg(0), () -> loadAdjoint(r));
            case Opcodes.F2D, Opcodes.D2F -> propagate(s.arg(0), () -> loadAdjoint(r));
            case Opcodes.DALOAD, Opcodes.FALOAD -> elementRead(s);
            case Opcodes.DASTORE, Opcodes.FASTORE -> elementWrite(s);
            case Opcodes.AALOAD -> {
                if (s.result().kind() == Types.Kind.TENSOR) tensorElementRead(s);
            }
            case Opcodes.GETFIELD, Opcodes.GETSTATIC -> {
                String key = activity.parameterKey(s);
                if (key != null && s.result().kind() != Types.Kind.SHADOWED) parameterAdjoint(s, key);
            }
            case Opcodes.AASTORE -> {
                if (s.arg(2).kind() == Types.Kind.TENSOR || isTensorArray(s.arg(0))) tensorElementWrite(s);
            }
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE, Opcodes.INVOKESPECIAL -> {
                if (activity.callee(s) instanceof Callee.Ruled ruled) ruleAdjoint(s, ruled.rule());
                else if (activity.callee(s) instanceof Callee.ArrayOp arrayOp) reverseArrayOp(s, arrayOp.kind());
            }
            default -> { } // array allocation, row reads, casts: shadows need no reverse work
        }
    }

    private static boolean isNonZeroConstant(Value v) {
        return v instanceof Const c && c.number() != null && c.number().doubleValue() != 0
                && Double.isFinite(c.number().doubleValue());
    }

    /**
     * Pushes {@code adj r × factor}; exactly zero when {@code adj r} is, where the factor may be
     * infinite (see {@link #scaledAdjoint}); a plain product where the method cannot make it so
     * ({@code Activity.mayBeInfinite}: a guard on every product cost 13 % in a long simulation).
     */
    private void productOfAdjoint(Value r, Value factor) {
        if (!activity.mayBeInfinite(factor)) {
            loadAdjoint(r);
            loadDouble(factor);
            mv.visitInsn(Opcodes.DMUL);
            return;
        }
        scaledAdjoint(r, () -> {
            loadDouble(factor);
            mv.visitInsn(Opcodes.DMUL);
        });
    }

    /**
     * Pushes {@code adj r} scaled by what {@code scale} does to it (it finds {@code adj r} on the
     * stack), or {@code adj r} itself when it is zero: a value the result does not depend on must
     * not poison the gradient where the factor is infinite ({@code t = c * Math.exp(x)} overflowing,
     * then {@code isFinite(t) ? t : x} taking {@code x}; a quotient by zero: 0 × ∞ is NaN). The skip
     * label keeps what is known zero: nothing is stored on either path.
     */
    private void scaledAdjoint(Value r, Runnable scale) {
        Label zero = new KnownZeros.GuardLabel();
        loadAdjoint(r);
        mv.visitInsn(Opcodes.DUP2);
        mv.visitInsn(Opcodes.DCONST_0);
        mv.visitInsn(Opcodes.DCMPL);
        mv.visitJumpInsn(Opcodes.IFEQ, zero);
        scale.run();
        mv.visitLabel(zero);
    }

    private void propagate(Value target, Runnable pushContribution) {
        if (!hasAdjoint(target)) return;
        pushContribution.run();
        accumulate(target);
    }

    /** {@code adj target -= contribution}: one subtraction where a negation and an addition would do the same. */
    private void propagateNegated(Value target, Runnable pushContribution) {
        if (!hasAdjoint(target)) return;
        Jvm.subtractFrom(mv, locals.adjoint(target), pushContribution);
    }

    private static boolean isTensorArray(Value v) {
        return v.type().getSort() == Type.ARRAY && v.type().getDimensions() == 1
                && Types.kind(v.type().getElementType()) == Types.Kind.TENSOR;
    }

    /** {@code r = ts[i]} of an INDArray[]: {@code shadow(ts)[i] += adj r}, out of place. */
    private void tensorElementRead(Stmt s) {
        Value array = s.arg(0);
        if (!locals.hasShadow(array) || !hasAdjoint(s.result())) return;
        Label skip = new Label();
        loadShadow(array);
        mv.visitJumpInsn(Opcodes.IFNULL, skip);
        withReads(s.result());
        loadShadow(array);
        load(s.arg(1));
        mv.visitInsn(Opcodes.DUP2);
        mv.visitInsn(Opcodes.AALOAD);
        loadAdjoint(s.result());
        Jvm.addAdjoints(mv, Types.Kind.TENSOR);
        mv.visitTypeInsn(Opcodes.CHECKCAST, Types.INDARRAY);
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitLabel(skip);
    }

    /** {@code ts[i] = v}: {@code adj v += shadow(ts)[i]; shadow(ts)[i] = null}. */
    private void tensorElementWrite(Stmt s) {
        Value array = s.arg(0);
        if (!locals.hasShadow(array)) return;
        Label skip = new Label();
        loadShadow(array);
        mv.visitJumpInsn(Opcodes.IFNULL, skip);
        if (hasAdjoint(s.arg(2))) {
            loadShadow(array);
            load(s.arg(1));
            mv.visitInsn(Opcodes.AALOAD);
            accumulate(s.arg(2));
        }
        loadShadow(array);
        load(s.arg(1));
        mv.visitInsn(Opcodes.ACONST_NULL);
        mv.visitInsn(Opcodes.AASTORE);
        mv.visitLabel(skip);
    }

    /** {@code r = a[i]}: {@code shadow(a)[i] += adj r}. */
    private void elementRead(Stmt s) {
        Value array = s.arg(0);
        if (!locals.hasShadow(array) || !hasAdjoint(s.result())) return;
        boolean isFloat = s.opcode() == Opcodes.FALOAD;
        Label skip = new KnownZeros.GuardLabel();
        loadShadow(array);
        mv.visitJumpInsn(Opcodes.IFNULL, skip);
        loadShadow(array);
        load(s.arg(1));
        mv.visitInsn(Opcodes.DUP2);
        mv.visitInsn(isFloat ? Opcodes.FALOAD : Opcodes.DALOAD);
        if (isFloat) mv.visitInsn(Opcodes.F2D);
        loadAdjoint(s.result());
        mv.visitInsn(Opcodes.DADD);
        if (isFloat) mv.visitInsn(Opcodes.D2F);
        mv.visitInsn(isFloat ? Opcodes.FASTORE : Opcodes.DASTORE);
        mv.visitLabel(skip);
    }

    /** {@code a[i] ±= u} (see {@link InPlaceAccumulations}): {@code adj u ±= shadow(a)[i]}; the shadow stays as it is. */
    void accumulation(InPlaceAccumulations.Accumulation a) {
        Value array = a.store().arg(0);
        if (!locals.hasShadow(array) || !hasAdjoint(a.addend())) return;
        boolean isFloat = a.store().opcode() == Opcodes.FASTORE;
        Label skip = new KnownZeros.GuardLabel();
        loadShadow(array);
        mv.visitJumpInsn(Opcodes.IFNULL, skip);
        Runnable element = () -> {
            loadShadow(array);
            load(a.store().arg(1));
            mv.visitInsn(isFloat ? Opcodes.FALOAD : Opcodes.DALOAD);
            if (isFloat) mv.visitInsn(Opcodes.F2D);
        };
        if (a.subtracted()) {
            propagateNegated(a.addend(), element);
        } else {
            element.run();
            accumulate(a.addend());
        }
        mv.visitLabel(skip);
    }

    /** {@code a[i] = v}: {@code adj v += shadow(a)[i]; shadow(a)[i] = 0}. */
    private void elementWrite(Stmt s) {
        Value array = s.arg(0);
        if (!locals.hasShadow(array)) return;
        boolean isFloat = s.opcode() == Opcodes.FASTORE;
        Label skip = new KnownZeros.GuardLabel();
        loadShadow(array);
        mv.visitJumpInsn(Opcodes.IFNULL, skip);
        if (hasAdjoint(s.arg(2))) {
            loadShadow(array);
            load(s.arg(1));
            mv.visitInsn(isFloat ? Opcodes.FALOAD : Opcodes.DALOAD);
            if (isFloat) mv.visitInsn(Opcodes.F2D);
            accumulate(s.arg(2));
        }
        loadShadow(array);
        load(s.arg(1));
        mv.visitInsn(isFloat ? Opcodes.FCONST_0 : Opcodes.DCONST_0);
        mv.visitInsn(isFloat ? Opcodes.FASTORE : Opcodes.DASTORE);
        mv.visitLabel(skip);
    }

    private void ruleAdjoint(Stmt s, Rule rule) {
        if (s.result() == null || !hasAdjoint(s.result())) return;
        // only the jump below reaches it: a plain label would make every rule forget the adjoints known zero
        Label skip = new KnownZeros.SkipLabel();
        boolean tensorResult = s.result().kind() == Types.Kind.TENSOR;
        if (tensorResult) { // a null tensor adjoint is zero: the rule need not run
            withReads(s.result());
            loadAdjoint(s.result());
            mv.visitJumpInsn(Opcodes.IFNULL, skip);
        }
        for (int i = 0; i < rule.arity(); i++) {
            Rule.AdjointMethod m = rule.adjoint(i);
            Value arg = s.arg(i);
            boolean arrayOfTensors = arg.kind() == Types.Kind.SHADOWED && locals.hasShadow(arg); // varargs: concat, stack
            if (m == null || (!hasAdjoint(arg) && !arrayOfTensors)) continue;
            // the primitive's arguments (before its result, the result's adjoint and an into method's
            // buffer); fewer for a Transforms dup overload, whose rule ends before the flag
            Type[] parameters = Type.getArgumentTypes(m.descriptor());
            int operands = parameters.length - (m.into() ? 3 : 2);
            // on numbers, a parameter the method never loads gets a zero: the value need not be kept (exp's argument)
            boolean onNumbers = activity.isRuleOnNumbers(s) && !m.into();
            for (int j = 0; j < operands; j++) {
                if (onNumbers && !activity.adjointLoads(m, j)) Jvm.zero(mv, parameters[j]);
                else load(s.arg(j));
            }
            if (onNumbers && !activity.adjointLoads(m, operands)) Jvm.zero(mv, parameters[operands]);
            else load(s.result());
            loadAdjoint(s.result());
            if (tensorResult) mv.visitTypeInsn(Opcodes.CHECKCAST, Types.INDARRAY);
            if (m.into()) { // adds into the buffer of the argument's reads, not into its adjoint
                mv.visitVarInsn(Opcodes.ALOAD, ctx);
                load(arg);
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "readAdjointOf", "(Ljava/lang/Object;)Ljava/lang/Object;", false);
                mv.visitTypeInsn(Opcodes.CHECKCAST, Types.INDARRAY);
            }
            if (m.owner().startsWith("org/grad4j/rules/")) {
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, m.owner(), m.name(), m.descriptor(), false);
            } else { // a user's rule may be private to its class: link with full access
                hostAccess.emit(mv, new MethodInsnNode(Opcodes.INVOKESTATIC, m.owner(), m.name(), m.descriptor(), false), false);
            }
            if (m.into()) continue;
            if (arrayOfTensors) {
                loadShadow(arg);
                mv.visitInsn(Opcodes.SWAP);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, Jvm.TENSOR_ADJOINTS, "addInto", "(Ljava/lang/Object;Ljava/lang/Object;)V", false);
            } else {
                accumulate(arg);
            }
        }
        mv.visitLabel(skip);
    }
}
