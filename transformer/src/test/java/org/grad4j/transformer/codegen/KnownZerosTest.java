package org.grad4j.transformer.codegen;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.transformer.ir.Types;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/** A zeroed adjoint's first contribution is a store; anything that may change the local or merge paths forgets the zero. */
class KnownZerosTest {
    @Test
    void aLocalIsKnownZeroFromItsZeroStoreUntilAnythingElse() {
        KnownZeros z = new KnownZeros(new MethodNode());
        z.visitInsn(Opcodes.DCONST_0);
        z.visitVarInsn(Opcodes.DSTORE, 4);
        assertTrue(z.isZero(4));
        z.visitVarInsn(Opcodes.DLOAD, 7);
        z.visitVarInsn(Opcodes.DSTORE, 4); // a store of something else
        assertFalse(z.isZero(4));

        z.visitInsn(Opcodes.DCONST_0);
        z.visitVarInsn(Opcodes.DSTORE, 4);
        z.visitVarInsn(Opcodes.ISTORE, 5); // overwrites the double's second half
        assertFalse(z.isZero(4));

        z.visitInsn(Opcodes.DCONST_0);
        z.visitVarInsn(Opcodes.DSTORE, 4);
        z.visitLabel(new Label()); // another path may arrive here
        assertFalse(z.isZero(4));

        z.visitInsn(Opcodes.DCONST_0);
        z.visitInsn(Opcodes.DNEG); // -0.0 is not what the store keeps
        z.visitVarInsn(Opcodes.DSTORE, 4);
        assertFalse(z.isZero(4));
    }

    @Test
    void accumulatingIntoAKnownZeroIsAStoreAndElseAnAddition() {
        MethodNode code = new MethodNode();
        KnownZeros z = new KnownZeros(code);
        z.visitInsn(Opcodes.DCONST_0);
        z.visitVarInsn(Opcodes.DSTORE, 2);
        z.visitVarInsn(Opcodes.DLOAD, 8);
        Jvm.accumulateInto(z, Types.Kind.SCALAR, 2); // 0 + x: a store
        z.visitVarInsn(Opcodes.DLOAD, 8);
        Jvm.accumulateInto(z, Types.Kind.SCALAR, 2); // a second contribution: an addition
        int[] opcodes = new int[code.instructions.size()];
        for (int i = 0; i < opcodes.length; i++) opcodes[i] = code.instructions.get(i).getOpcode();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {Opcodes.DCONST_0, Opcodes.DSTORE, Opcodes.DLOAD,
                Opcodes.DSTORE, Opcodes.DLOAD, Opcodes.DLOAD, Opcodes.DADD, Opcodes.DSTORE}, opcodes);
        assertTrue(code.instructions.get(3) instanceof VarInsnNode v && v.var == 2);
        assertTrue(code.instructions.get(0) instanceof InsnNode);
    }

    @Test
    void aSkipLabelKeepsWhatIsKnownZeroOnEveryJumpToItAndOnTheFallThrough() {
        KnownZeros z = new KnownZeros(new MethodNode());
        zero(z, 4);
        zero(z, 6);
        Label skip = new KnownZeros.SkipLabel();
        z.visitVarInsn(Opcodes.ALOAD, 1);
        z.visitJumpInsn(Opcodes.IFNULL, skip); // skips a statement that writes 6 but not 4
        z.visitVarInsn(Opcodes.DLOAD, 8);
        z.visitVarInsn(Opcodes.DSTORE, 6);
        z.visitLabel(skip);
        assertTrue(z.isZero(4));
        assertFalse(z.isZero(6)); // not zero on the fall-through

        zero(z, 6);
        Label skip2 = new KnownZeros.SkipLabel();
        z.visitJumpInsn(Opcodes.IFNULL, skip2);
        z.visitVarInsn(Opcodes.DLOAD, 8);
        z.visitVarInsn(Opcodes.DSTORE, 4); // 4 is written before the second jump
        z.visitJumpInsn(Opcodes.IFNULL, skip2);
        z.visitLabel(skip2);
        assertFalse(z.isZero(4)); // not zero on the second jump
        assertTrue(z.isZero(6));
    }

    @Test
    void aSkipLabelReachedOnlyByJumpsKnowsWhatTheJumpsKnow() {
        KnownZeros z = new KnownZeros(new MethodNode());
        zero(z, 4);
        Label skip = new KnownZeros.SkipLabel();
        z.visitJumpInsn(Opcodes.GOTO, skip);
        z.visitLabel(new Label()); // dead code reached from elsewhere: forgets
        z.visitVarInsn(Opcodes.DLOAD, 8);
        z.visitVarInsn(Opcodes.DSTORE, 6);
        z.visitInsn(Opcodes.RETURN);
        z.visitLabel(skip);
        assertTrue(z.isZero(4));
        assertFalse(z.isZero(6));
    }

    /** A skip label known to be reached only forward: a jump back, a switch or a handler to one is a defect of the emitter. */
    @Test
    void aSkipLabelReachedOtherwiseThanByJumpsForwardIsRefused() {
        KnownZeros back = new KnownZeros(new MethodNode());
        Label head = new KnownZeros.SkipLabel();
        back.visitLabel(head);
        assertThrows(AssertionError.class, () -> back.visitJumpInsn(Opcodes.GOTO, head));

        KnownZeros table = new KnownZeros(new MethodNode());
        assertThrows(AssertionError.class,
                () -> table.visitTableSwitchInsn(0, 0, new Label(), new KnownZeros.SkipLabel()));
        KnownZeros lookup = new KnownZeros(new MethodNode());
        assertThrows(AssertionError.class,
                () -> lookup.visitLookupSwitchInsn(new KnownZeros.SkipLabel(), new int[0], new Label[0]));
        KnownZeros handler = new KnownZeros(new MethodNode());
        assertThrows(AssertionError.class,
                () -> handler.visitTryCatchBlock(new Label(), new Label(), new KnownZeros.SkipLabel(), null));
    }

    private static void zero(KnownZeros z, int local) {
        z.visitInsn(Opcodes.DCONST_0);
        z.visitVarInsn(Opcodes.DSTORE, local);
    }
}
