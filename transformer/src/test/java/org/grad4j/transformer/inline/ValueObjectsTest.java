package org.grad4j.transformer.inline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The rewrite itself, on the bytecode javac writes: which objects go, and why others stay. (The
 * gradients through it are checked end to end in the agent's ValueObjectsTest.)
 */
class ValueObjectsTest {
    record Pair(double a, double b) {
        static final Pair ORIGIN = new Pair(0, 0);
    }

    static final class Holder {
        double[] values; // not a value class: an array field, and not final
    }

    static double kept(double x, boolean c) {
        Pair p = c ? new Pair(x, 1) : Pair.ORIGIN;
        Pair q = new Pair(p.b(), p.a() * x);
        return q.a() + q.b;
    }

    static Pair returned(double x) {
        Pair p = new Pair(x, x);
        return p;
    }

    static double compared(double x) {
        Pair p = new Pair(x, x);
        return p == Pair.ORIGIN ? 0 : p.a();
    }

    @Test
    void objectsKeptInLocalsAndReadBackAreReplacedByTheirFields() {
        ValueObjects.Replaced r = replace("kept");
        assertTrue(r.whyKept().isEmpty(), r.whyKept().toString());
        assertNotSame(method("kept"), r.method());
        int reads = 0;
        for (AbstractInsnNode insn : r.method().instructions) {
            // (a NullPointerException may be: the constant ORIGIN may be null where it is read)
            assertTrue(!(insn instanceof TypeInsnNode t && t.getOpcode() == Opcodes.NEW && t.desc.endsWith("Pair")), "no Pair is made");
            if (insn instanceof org.objectweb.asm.tree.MethodInsnNode m && m.owner.endsWith("Pair")) {
                assertTrue(m.name.equals("a") || m.name.equals("b"), m.name);
                reads++;
            }
        }
        assertEquals(2, reads, "only the constant ORIGIN is read, field by field, through its accessors");
    }

    @Test
    void anObjectThatLeavesIsKeptAndTheUseNamed() {
        ValueObjects.Replaced returned = replace("returned");
        assertSame(method("returned").instructions.size(), returned.method().instructions.size());
        String pair = Type.getInternalName(Pair.class);
        assertTrue(returned.whyKept(pair).matches("the ValueObjectsTest.Pair used on line \\d+ is returned"), returned.whyKept(pair));
        assertTrue(replace("compared").whyKept(pair).endsWith("is compared with == or !="), replace("compared").whyKept(pair));
    }

    @Test
    void whatCountsAsAValueClass() {
        assertTrue(ValueObjects.isValueClass(Type.getInternalName(Pair.class), ValueObjectsTest::classNode));
        assertTrue(!ValueObjects.isValueClass(Type.getInternalName(Holder.class), ValueObjectsTest::classNode));
        assertTrue(!ValueObjects.isValueClass("java/lang/String", ValueObjectsTest::classNode));
    }

    @Test
    void aMethodWithoutValueObjectsIsLeftAsItIs() {
        MethodNode m = method("objectsKeptInLocalsAndReadBackAreReplacedByTheirFields");
        int news = 0;
        for (AbstractInsnNode insn : m.instructions) if (insn instanceof TypeInsnNode t && t.getOpcode() == Opcodes.NEW) news++;
        assertEquals(0, news);
        assertSame(m, ValueObjects.replace(Type.getInternalName(ValueObjectsTest.class), m, ValueObjectsTest::classNode, HIERARCHY).method());
    }

    private static final org.grad4j.transformer.read.ClassHierarchy HIERARCHY = new org.grad4j.transformer.read.ClassHierarchy(
            org.grad4j.transformer.ClassFileLocator.of(ValueObjectsTest.class.getClassLoader()));

    private static ValueObjects.Replaced replace(String name) {
        return ValueObjects.replace(Type.getInternalName(ValueObjectsTest.class), method(name), ValueObjectsTest::classNode, HIERARCHY);
    }

    private static MethodNode method(String name) {
        for (MethodNode m : classNode(Type.getInternalName(ValueObjectsTest.class)).methods) if (m.name.equals(name)) return m;
        throw new AssertionError(name);
    }

    private static ClassNode classNode(String internalName) {
        try (InputStream in = ValueObjectsTest.class.getClassLoader().getResourceAsStream(internalName + ".class")) {
            if (in == null) return null;
            ClassNode node = new ClassNode();
            new ClassReader(in).accept(node, 0);
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
