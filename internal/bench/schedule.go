package bench

import "fmt"

// RoundsError is a round count that cannot be split evenly between the
// two sides: with an odd count one side would go first more often.
type RoundsError struct {
	Rounds int
}

func (e *RoundsError) Error() string {
	return fmt.Sprintf("bench: %d rounds: want a positive even number, so that each side goes first in half of them", e.Rounds)
}

// Schedule is the order in which two sides, 0 and 1, take their turns
// over the given number of rounds: 0 1, 1 0, 0 1, 1 0, … (ABBA). Each
// side goes first in exactly half the rounds, so neither always meets a
// server (and page cache, CPU frequency, load from the other helpers)
// just warmed or just disturbed by the other. rounds must be even.
func Schedule(rounds int) ([]int, error) {
	if rounds <= 0 || rounds%2 != 0 {
		return nil, &RoundsError{Rounds: rounds}
	}
	order := make([]int, 0, 2*rounds)
	for r := range rounds {
		if r%2 == 0 {
			order = append(order, 0, 1)
		} else {
			order = append(order, 1, 0)
		}
	}
	return order, nil
}
