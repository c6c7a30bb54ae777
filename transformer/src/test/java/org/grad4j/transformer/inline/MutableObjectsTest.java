package org.grad4j.transformer.inline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.read.ClassHierarchy;
import org.grad4j.transformer.testing.ChildFirstLoader;
import org.grad4j.transformer.testing.GradientCheck;
import org.grad4j.transformer.testing.Harness;
import org.grad4j.transformer.testing.SideBySide;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Objects of mutable classes replaced by their fields ({@link MutableObjects}), after their
 * methods are inlined (virtual ones made exact by {@link ExactReceivers}), on the bytecode javac
 * writes for {@link Mutables}: the rewritten class runs beside the original on random inputs with
 * the same results to the bit, the objects that stay say why, and the methods differentiate
 * through the transformer against central differences.
 */
class MutableObjectsTest {
    /** Objects that stay objects, by method: what the reason says. */
    private static final Map<String, String> KEPT = Map.of(
            "linkedList", "may be null or an object from elsewhere",
            "chosenBetweenTwo", "is made while another it shares a home with is still in use",
            "givenToTheJdk", "is used after it is added to a list",
            "madeAgainWhileUsed", "is made while another it shares a home with is still in use",
            "elementReplacedWhileUsed", "has an element replaced while one read from it before is still in use",
            "usedAfterStored", "is used after it is stored into an array",
            "arrayGivenToTheJdk", "is passed to Arrays.asList, which is not inlined",
            "flockWithASubclassPutIn", "has its method Mutables.Boid.replaceIn called, which is not inlined",
            "listIteratedWhileAdded", "is added to while it is iterated over");
    private static final String NESTED = Type.getInternalName(Mutables.class) + "$";
    private static final ClassHierarchy HIERARCHY = new ClassHierarchy(
            org.grad4j.transformer.ClassFileLocator.of(MutableObjectsTest.class.getClassLoader()));

    private static final Map<String, ValueObjects.Replaced> REPLACED = new java.util.HashMap<>();
    private static Class<?> copy;

    @BeforeAll
    static void rewrite() {
        ClassNode rewritten = ClassFiles.read(ChildFirstLoader.bytesOf(Mutables.class));
        for (int i = 0; i < rewritten.methods.size(); i++) {
            MethodNode m = rewritten.methods.get(i);
            if ((m.access & Modifier.PUBLIC) == 0 || m.name.startsWith("<")) continue;
            // as HelperBodies.objectsReplaced: a particle held by a stepper made here is called exactly once the stepper is gone
            ValueObjects.Replaced r = MutableObjects.replace(rewritten.name, withMethodsInlined(rewritten, m),
                    MutableObjectsTest::classNode, HIERARCHY, call -> "", MutableObjectsTest::bodyOf, java.util.Set.of());
            for (int round = 1; round < 3; round++) {
                ValueObjects.Replaced next = MutableObjects.replace(rewritten.name, withMethodsInlined(rewritten, r.method()),
                        MutableObjectsTest::classNode, HIERARCHY, call -> "", MutableObjectsTest::bodyOf, java.util.Set.of());
                if (next.whyKept().equals(r.whyKept())) break;
                r = next;
            }
            REPLACED.put(m.name, r);
            rewritten.methods.set(i, r.method());
        }
        copy = ChildFirstLoader.load(Mutables.class, rewritten);
    }

    /**
     * The nested classes' methods inlined, as {@code Transformer} inlines helpers (three levels:
     * an override calling its superclass's), calls on objects made here made exact first.
     */
    private static MethodNode withMethodsInlined(ClassNode owner, MethodNode m) {
        for (int level = 0; level < 3; level++) {
            ExactReceivers.Devirtualised exact = ExactReceivers.devirtualised(owner.name, m, MutableObjectsTest::classNode);
            MethodNode current = exact.method();
            MethodNode next = Inliner.inline(current, MutableObjectsTest::bodyOf, insn -> {
                var f = ClassFiles.frames(owner, current, HIERARCHY)[current.instructions.indexOf(insn)];
                Type[] below = new Type[f.getStackSize() - Type.getArgumentTypes(((MethodInsnNode) insn).desc).length - 1];
                for (int k = 0; k < below.length; k++) below[k] = f.getStack(k).getType();
                return below;
            });
            next = ExactReceivers.restored(next, exact.calls());
            if (next == current) return m;
            m = next;
        }
        return m;
    }

    /** A method of a nested class the call always runs (exact or of a final class), else null. */
    private static MethodNode bodyOf(MethodInsnNode call) {
        if (!call.owner.startsWith(NESTED) || call.name.startsWith("<")) return null;
        ClassNode c = classNode(call.owner);
        MethodNode body = ClassFiles.method(c, call.name, call.desc);
        boolean exact = call.getOpcode() == Opcodes.INVOKESPECIAL || (c.access & Opcodes.ACC_FINAL) != 0
                || body != null && (body.access & Opcodes.ACC_PRIVATE) != 0;
        return exact && body != null && Inliner.isInlinable(body) ? body : null;
    }

    @Test
    void theRewrittenMethodsComputeWhatTheObjectsCompute() throws Exception {
        SideBySide.assertSameOutcomesOnRandomInputs(Mutables.class, new Mutables(), copy, copy.getDeclaredConstructor().newInstance(), 16);
    }

    @Test
    void objectsUsedHereAreGoneAndTheOthersSayWhyTheyStay() {
        for (Method m : SideBySide.publicMethods(Mutables.class)) {
            ValueObjects.Replaced r = REPLACED.get(m.getName());
            List<String> made = new ArrayList<>();
            for (AbstractInsnNode insn : r.method().instructions) {
                // records are ValueObjects' (it runs next, as in the pipeline: objectsUsedHereDifferentiate)
                if (insn instanceof TypeInsnNode t && (t.getOpcode() == Opcodes.NEW || t.getOpcode() == Opcodes.ANEWARRAY)
                        && t.desc.startsWith(NESTED) && !classNode(t.desc).superName.equals("java/lang/Record")) {
                    made.add(t.desc);
                }
            }
            SideBySide.assertGoneOrKept(m.getName(), made, r.whyKept(), KEPT.get(m.getName()),
                    "the ((array|list) of )?Mutables\\.\\w+( read from an array or a list)? (used|made) on line \\d+ .*");
        }
    }

    /**
     * The receiver check of a call inlined on an element reads the element's mark without a
     * branch: a branch to a throw inside a loop is an exit of the loop, which then cannot run as a
     * counted loop (n-body's pair loop pushed its chain number and five indices per pair).
     */
    @Test
    void aCallOnAnElementChecksItWithoutABranchToAThrow() {
        for (AbstractInsnNode insn : REPLACED.get("unsetElementCalled").method().instructions) {
            assertTrue(insn.getOpcode() != Opcodes.ATHROW && insn.getOpcode() != Opcodes.IFNONNULL,
                    "a branch or throw left: " + insn.getOpcode());
        }
    }

    /**
     * A helper returns an element of an array it made, after storing an object of a subclass into
     * it: what it returns is not known to be a Particle, so the call on it keeps dispatching.
     */
    @Test
    void anElementIsOfTheArraysClassOnlyIfEveryStoreIsEvenOnesAfterItIsRead() {
        ClassNode fixture = ClassFiles.read(ChildFirstLoader.bytesOf(Mutables.class));
        MethodNode m = ClassFiles.method(fixture, "afterAReadASubclassIsStored", "([D[D)D");
        ExactReceivers.Devirtualised exact = ExactReceivers.devirtualised(fixture.name, m, MutableObjectsTest::classNode);
        for (AbstractInsnNode insn : exact.method().instructions) {
            if (insn instanceof MethodInsnNode call && call.name.equals("step")) {
                assertEquals(Opcodes.INVOKEVIRTUAL, call.getOpcode(), "the step called on the helper's element");
            }
        }
        assertTrue(exact.calls().isEmpty(), exact.calls().toString());
    }

    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    @Test
    void objectsUsedHereDifferentiate() {
        Random r = new Random(17);
        for (Method m : SideBySide.publicMethods(Mutables.class)) {
            if (KEPT.containsKey(m.getName())) continue;
            for (int trial = 0; trial < 3; trial++) {
                int n = 2 + r.nextInt(4);
                double[] x = new double[n], w = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = r.nextGaussian();
                    w[i] = 0.2 + r.nextDouble();
                }
                GradientCheck.check(m, new Mutables(), x, w);
            }
        }
    }

    private static ClassNode classNode(String internalName) {
        try (var in = MutableObjectsTest.class.getClassLoader().getResourceAsStream(internalName + ".class")) {
            return in == null ? null : ClassFiles.read(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
