package bench

import (
	"errors"
	"testing"
)

// TestScheduleIsABBA pins the order: pairs alternate who goes first.
func TestScheduleIsABBA(t *testing.T) {
	got, err := Schedule(4)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 1, 1, 0, 0, 1, 1, 0}
	if len(got) != len(want) {
		t.Fatalf("Schedule(4) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Schedule(4) = %v, want %v", got, want)
		}
	}
}

// TestScheduleIsFair checks, for every even count a run may use, that
// each round holds both sides once and each side goes first in exactly
// half the rounds.
func TestScheduleIsFair(t *testing.T) {
	for rounds := 2; rounds <= 80; rounds += 2 {
		order, err := Schedule(rounds)
		if err != nil {
			t.Fatalf("Schedule(%d): %v", rounds, err)
		}
		if len(order) != 2*rounds {
			t.Fatalf("Schedule(%d): %d turns, want %d", rounds, len(order), 2*rounds)
		}
		first := [2]int{}
		for r := 0; r < rounds; r++ {
			a, b := order[2*r], order[2*r+1]
			if a+b != 1 || a*b != 0 {
				t.Fatalf("Schedule(%d): round %d is %d %d, want both sides once", rounds, r, a, b)
			}
			first[a]++
		}
		if first[0] != rounds/2 || first[1] != rounds/2 {
			t.Fatalf("Schedule(%d): side 0 first %d times, side 1 %d, want %d each", rounds, first[0], first[1], rounds/2)
		}
	}
}

// TestScheduleRefusesOddRounds: 3 rounds put one side first twice, the
// bias this order exists to remove.
func TestScheduleRefusesOddRounds(t *testing.T) {
	for _, rounds := range []int{-2, 0, 1, 3, 41} {
		_, err := Schedule(rounds)
		var re *RoundsError
		if !errors.As(err, &re) || re.Rounds != rounds {
			t.Errorf("Schedule(%d) = %v, want a RoundsError for %d", rounds, err, rounds)
		}
	}
}
