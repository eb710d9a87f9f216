"""All models, imported here so Alembic and the app see one metadata."""
from db.base import Base
from db.models.core import (
    DialogState,
    Invite,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Network,
    Role,
    School,
    SchoolStatus,
    User,
)

__all__ = [
    "Base", "DialogState", "Invite", "JoinRequest", "JoinRequestStatus", "Membership", "Network",
    "Role", "School", "SchoolStatus", "User",
]
from db.models.outbox import Broadcast, BroadcastStatus, OutboxMessage, OutboxStatus, Priority  # noqa: E402

__all__ += ["Broadcast", "BroadcastStatus", "OutboxMessage", "OutboxStatus", "Priority"]
from db.models.forms import Form, FormKind, FormRequest, FormRequestStatus, FormResponse  # noqa: E402

__all__ += ["Form", "FormKind", "FormRequest", "FormRequestStatus", "FormResponse"]
from db.models.mentoring import (  # noqa: E402
    LinkForm,
    LinkKind,
    LinkMember,
    LinkStatus,
    MentoringLink,
    MentoringSession,
    PlanGoal,
    Question,
    QuestionScope,
    QuestionStatus,
    SessionFormat,
    Side,
)

__all__ += ["LinkForm", "LinkKind", "LinkMember", "LinkStatus", "MentoringLink", "MentoringSession", "PlanGoal",
            "Question", "QuestionScope", "QuestionStatus", "SessionFormat", "Side"]
from db.models.events import (  # noqa: E402
    Attendance,
    AttendanceHow,
    Event,
    EventPeriod,
    EventStatus,
    RoadmapImport,
    Signup,
    SignupStatus,
)

__all__ += ["Attendance", "AttendanceHow", "Event", "EventPeriod", "EventStatus", "RoadmapImport", "Signup",
            "SignupStatus"]
from db.models.roadmap import RoadmapUpload  # noqa: E402

__all__ += ["RoadmapUpload"]
from db.models.messengers import MaxFileRef, MaxMessageRef  # noqa: E402

__all__ += ["MaxFileRef", "MaxMessageRef"]
