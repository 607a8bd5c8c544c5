"""The district (区教育局): its schools, their filed plans, roll-up statistics, complaints."""
