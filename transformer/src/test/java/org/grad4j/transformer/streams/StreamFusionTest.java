package org.grad4j.transformer.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.grad4j.TransformException;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.testing.ChildFirstLoader;
import org.grad4j.transformer.testing.SideBySide;
import org.grad4j.transformer.testing.GradientCheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Pipelines fused into loops compute what the JDK's streams compute, bit for bit and exception for
 * exception (the fused class runs beside the original on random inputs), and differentiate
 * (against central differences, through the whole transformer).
 */
class StreamFusionTest {
    /** Left as written: a stream in a variable, an operation with no loop, a constructor's argument. */
    private static final Set<String> NOT_FUSED = Set.of("keptInAVariable", "sorted", "underConstruction");
    private static final Set<String> THROWING = Set.of("emptyMax", "badRange", "emptySuppliedException", "negativeLimit",
            "badSortRange");

    private static ClassNode fusedNode;
    private static Class<?> fused;

    @BeforeAll
    static void fuse() throws IOException {
        fusedNode = ClassFiles.read(ChildFirstLoader.bytesOf(Pipelines.class));
        StreamFusion.apply(fusedNode);
        fused = ChildFirstLoader.load(Pipelines.class, fusedNode);
    }


    @Test
    void everyPipelineComputesWhatTheStreamComputes() throws Exception {
        Random r = new Random(42);
        Object original = instance(Pipelines.class), fusedInstance = instance(fused);
        for (int trial = 0; trial < 40; trial++) {
            int n = 3 + r.nextInt(7);
            double[] x = new double[n], w = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = trial % 5 == 0 && i == 1 ? 0.0 : r.nextGaussian() * 3;
                w[i] = r.nextGaussian();
            }
            if (trial == 7) x[2] = Double.POSITIVE_INFINITY; // the sum's same-signed infinities
            if (trial == 8) x[0] = Double.NaN;
            for (Method m : SideBySide.publicMethods(Pipelines.class)) {
                SideBySide.assertSameOutcome(m, original, fused, fusedInstance, x, w);
            }
        }
    }

    private static Object instance(Class<?> c) throws ReflectiveOperationException {
        Constructor<?> k = c.getDeclaredConstructor();
        k.setAccessible(true);
        return k.newInstance();
    }


    @Test
    void thePipelinesBecomeLoopsAndTheOthersStayAsWritten() {
        for (Method m : SideBySide.publicMethods(Pipelines.class)) {
            MethodNode node = ClassFiles.method(fusedNode, m.getName(), Type.getMethodDescriptor(m));
            List<String> streamCalls = new ArrayList<>();
            for (AbstractInsnNode insn : node.instructions) {
                // (a collection's forEach is fused as its stream's: left, it would still be one)
                if (insn instanceof MethodInsnNode c && (StreamOp.of(c) != null || c.name.equals("forEach"))) streamCalls.add(c.name);
            }
            if (NOT_FUSED.contains(m.getName())) {
                assertTrue(!streamCalls.isEmpty(), m.getName() + " should be left as written");
            } else {
                assertEquals(List.of(), streamCalls, m.getName());
            }
        }
    }

    @Test
    void fusedPipelinesDifferentiate() {
        Random r = new Random(7);
        for (Method m : SideBySide.publicMethods(Pipelines.class)) {
            if (m.getReturnType() != double.class || NOT_FUSED.contains(m.getName()) || THROWING.contains(m.getName())) continue;
            // a lambda object called through its interface is found through the agent's lambda sites (the agent's StreamsTest)
            if (m.getName().startsWith("through")) continue;
            int n = 4 + r.nextInt(4);
            double[] x = new double[n], w = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = 0.2 + r.nextDouble(); // positive and distinct: away from the kinks of max, filters and counts
                w[i] = r.nextGaussian();
            }
            GradientCheck.check(m, Modifier.isStatic(m.getModifiers()) ? null : new Pipelines(), x, w);
        }
    }

    @Test
    void pipelinesLeftAsWrittenAreRefusedNamingTheStream() {
        for (String name : NOT_FUSED) {
            Method m = org.grad4j.transformer.testing.Harness.method(Pipelines.class, name);
            TransformException e = assertThrows(TransformException.class,
                    () -> GradientCheck.check(m, null, new double[] {1, 2, 3}, new double[] {1, 2, 3}), name);
            assertTrue(e.getMessage().contains("stream"), e.getMessage());
        }
    }
}
