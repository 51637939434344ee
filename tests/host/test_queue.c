/* Host tests for lib/queue.c: FIFO order, removal anywhere, matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lib/queue.h"

struct item {
	int value;
	struct qnode node;
};

static struct item items[64];

static int value_of(struct qnode *n)
{
	return queue_entry(n, struct item, node)->value;
}

static void fill(struct queue *q, int n)
{
	queue_init(q);
	for (int i = 0; i < n; i++) {
		items[i].value = i;
		queue_push(q, &items[i].node);
	}
}

static void test_fifo(void **state)
{
	struct queue q;

	(void)state;
	fill(&q, 10);
	assert_int_equal(q.len, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(value_of(queue_pop(&q)), i);
	assert_null(queue_pop(&q));
	assert_int_equal(q.len, 0);
	assert_null(q.head);
	assert_null(q.tail);
}

static void test_remove_head_middle_tail(void **state)
{
	struct queue q;
	int expect[] = { 1, 2, 4, 5, 6, 7, 8 };

	(void)state;
	fill(&q, 10);
	assert_true(queue_remove(&q, &items[0].node));	/* head */
	assert_true(queue_remove(&q, &items[3].node));	/* middle */
	assert_true(queue_remove(&q, &items[9].node));	/* tail */
	assert_false(queue_remove(&q, &items[9].node));	/* not queued any more */
	assert_int_equal(q.len, 7);
	queue_push(&q, &items[9].node);			/* the tail pointer is right */
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		assert_int_equal(value_of(queue_pop(&q)), expect[i]);
	assert_int_equal(value_of(queue_pop(&q)), 9);
	assert_null(queue_pop(&q));
}

static bool is_odd(const struct qnode *n, void *arg)
{
	(void)arg;
	return queue_entry(n, struct item, node)->value % 2;
}

static void test_take_matching(void **state)
{
	struct queue q;

	(void)state;
	fill(&q, 6);
	assert_int_equal(value_of(queue_take(&q, is_odd, NULL)), 1);
	assert_int_equal(value_of(queue_take(&q, is_odd, NULL)), 3);
	assert_int_equal(value_of(queue_take(&q, is_odd, NULL)), 5);
	assert_null(queue_take(&q, is_odd, NULL));
	assert_int_equal(q.len, 3);
	for (int i = 0; i < 6; i += 2)
		assert_int_equal(value_of(queue_pop(&q)), i);
}

/* Random operations against a plain array model. */
static void test_random_against_model(void **state)
{
	struct queue q;
	int model[64], n = 0;
	bool queued[64] = { false };

	(void)state;
	queue_init(&q);
	srand(7);
	for (int step = 0; step < 20000; step++) {
		int i = rand() % 64, op = rand() % 3;

		if (op == 0 && !queued[i]) {
			items[i].value = i;
			queue_push(&q, &items[i].node);
			model[n++] = i;
			queued[i] = true;
		} else if (op == 1 && n > 0) {
			assert_int_equal(value_of(queue_pop(&q)), model[0]);
			queued[model[0]] = false;
			for (int k = 1; k < n; k++)
				model[k - 1] = model[k];
			n--;
		} else if (op == 2) {
			bool was = queue_remove(&q, &items[i].node);

			assert_int_equal(was, queued[i]);
			if (was) {
				int k = 0;

				while (model[k] != i)
					k++;
				for (; k + 1 < n; k++)
					model[k] = model[k + 1];
				n--;
				queued[i] = false;
			}
		}
		assert_int_equal(q.len, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_remove_head_middle_tail),
		cmocka_unit_test(test_take_matching),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
